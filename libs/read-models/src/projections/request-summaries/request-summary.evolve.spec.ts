import type { FirstResponseGiven, RequestEvent, RequestOpened, RequestResolved } from '@desk/domain';
import type { RequestSummaryRow } from '../../store/read-model-tables';
import { evolveRequestSummary, type CalendarLookup } from './request-summary.evolve';

/**
 * Given events / then row, for the SLA facts the summary copies from the
 * events (and computes with the domain's SLA clock for events of schema
 * version 1, which did not record them). IT counts every minute: high is
 * 30 minutes to the first response, 240 to the resolution, from 08:00.
 */
const everyMinute: CalendarLookup = () => null;
const R = 'r-1';
const t = (time: string) => `2026-03-02T${time}:00.000Z`;

const opened: RequestOpened = {
  type: 'RequestOpened',
  data: {
    requestId: R,
    requesterId: 'eva',
    audience: 'internal',
    requesterKind: 'employee',
    exposedToExternal: false,
    departmentId: 'it',
    subject: 'VPN drops',
    description: 'every hour',
    priority: 'high',
    impact: null,
    urgency: null,
    channel: 'portal',
    category: null,
    tier: 'L1',
    openedAt: t('08:00'),
    sla: {
      departmentId: 'it',
      standardVersion: 1,
      firstResponseMinutes: 30,
      resolutionMinutes: 240,
      firstResponseDueAt: t('08:30'),
      resolutionDueAt: t('12:00'),
    },
  },
};
const heldForRequester: RequestEvent = {
  type: 'RequestPutOnHold',
  data: { requestId: R, reason: 'awaiting_requester', note: null, blockingRequestId: null, clockPaused: true, heldAt: t('08:10') },
};
/** A reply at 08:40, while the clock stands still since 08:10: 10 minutes ran, within the 08:30 due time. */
const replyV1: FirstResponseGiven = {
  type: 'FirstResponseGiven',
  data: { requestId: R, agentId: 'ann', respondedAt: t('08:40'), dueAt: t('08:30'), withinTarget: true },
};
const replyV2: FirstResponseGiven = { ...replyV1, data: { ...replyV1.data, businessMinutes: 10 } };
const resumed: RequestEvent = {
  type: 'RequestResumed',
  data: { requestId: R, pausedMinutes: 60, firstResponseDueAt: t('08:30'), resolutionDueAt: t('13:00') },
};
/** Resolved at 10:00: 120 minutes since opening, 60 of them paused. */
const resolvedV1: RequestResolved = {
  type: 'RequestResolved',
  data: { requestId: R, resolution: 'new cable', resolvedBy: 'ann', resolvedAt: t('10:00') },
};
const resolvedV2: RequestResolved = { ...resolvedV1, data: { ...resolvedV1.data, withinTarget: true, businessMinutes: 60 } };

const times = ['08:00', '08:10', '08:40', '09:10', '10:00'];

function project(events: RequestEvent[], applyEachTwice = false): RequestSummaryRow {
  let row: RequestSummaryRow | undefined;
  events.forEach((event, revision) => {
    const facts = { revision, occurredAt: t(times[revision]) };
    row = evolveRequestSummary(row, event, facts, everyMinute);
    if (applyEachTwice) {
      const again = evolveRequestSummary(row, event, facts, everyMinute);
      expect(again).toBe(row);
    }
  });
  return row!;
}

const v2History = [opened, heldForRequester, replyV2, resumed, resolvedV2];
const v1History = [opened, heldForRequester, replyV1, resumed, resolvedV1];

describe('request summary: SLA facts from the events', () => {
  it('copies the business minutes and the outcome each event recorded', () => {
    expect(project(v2History)).toMatchObject({
      first_response_business_minutes: 10,
      first_response_within_target: 1,
      paused_minutes: 60,
      resolution_due_at: t('13:00'),
      resolution_business_minutes: 60,
      resolution_within_target: 1,
      clock_stopped_since: t('10:00'),
    });
  });

  it('takes what the event says over what the row could work out', () => {
    const decidedOtherwise: RequestResolved = { ...resolvedV1, data: { ...resolvedV1.data, withinTarget: false, businessMinutes: 61.4 } };
    expect(project([...v2History.slice(0, 4), decidedOtherwise])).toMatchObject({
      resolution_business_minutes: 61,
      resolution_within_target: 0,
      resolution_breach_due_at: t('13:00'),
    });
  });

  it('works the facts out with the SLA clock for events of schema version 1, to the same row', () => {
    expect(project(v1History)).toEqual(project(v2History));
  });

  it('changes nothing when an event is applied twice, whichever version it was written in', () => {
    expect(project(v2History, true)).toEqual(project(v2History));
    expect(project(v1History, true)).toEqual(project(v1History));
  });

  it('keeps when each breach falls due as the clock stops, restarts and the targets are met', () => {
    const after = (count: number) => project(v2History.slice(0, count));
    const breachDue = (row: RequestSummaryRow) => [row.first_response_breach_due_at, row.resolution_breach_due_at];
    expect(breachDue(after(1))).toEqual([t('08:30'), t('12:00')]);
    // Stopped at 08:10, before either due time: nothing can fall due.
    expect(breachDue(after(2))).toEqual([null, null]);
    // Answered in time (measured at 08:10); running again, resolution due at 13:00; then resolved in time.
    expect(breachDue(after(3))).toEqual([null, null]);
    expect(breachDue(after(4))).toEqual([null, t('13:00')]);
    expect(breachDue(after(5))).toEqual([null, null]);
  });
});

describe('request summary: the hold and the tags', () => {
  const at = (revision: number) => ({ revision, occurredAt: t(times[Math.min(revision, times.length - 1)]) });
  const tagged = (tag: string): RequestEvent => ({ type: 'RequestTagged', data: { requestId: R, tag, taggedBy: 'ann' } });
  const untagged = (tag: string): RequestEvent => ({ type: 'RequestUntagged', data: { requestId: R, tag, untaggedBy: 'ann' } });
  const heldWithNote: RequestEvent = {
    type: 'RequestPutOnHold',
    data: {
      requestId: R,
      reason: 'awaiting_third_party',
      note: 'vendor ticket 4411',
      blockingRequestId: null,
      clockPaused: false,
      heldAt: t('08:10'),
    },
  };
  const fold = (events: RequestEvent[], applyEachTwice = false) => {
    let row: RequestSummaryRow | undefined;
    events.forEach((event, revision) => {
      row = evolveRequestSummary(row, event, at(revision), everyMinute);
      if (applyEachTwice) expect(evolveRequestSummary(row, event, at(revision), everyMinute)).toBe(row);
    });
    return row!;
  };

  it('keeps the hold while on hold, its reason, note and start, and drops it when the request is no longer held', () => {
    expect(fold([opened])).toMatchObject({ hold_reason: null, hold_note: null, held_at: null });
    expect(fold([opened, heldWithNote])).toMatchObject({
      hold_reason: 'awaiting_third_party',
      hold_note: 'vendor ticket 4411',
      held_at: t('08:10'),
    });
    const resumedAfterIt: RequestEvent = {
      type: 'RequestResumed',
      data: { requestId: R, pausedMinutes: 0, firstResponseDueAt: t('08:30'), resolutionDueAt: t('12:00') },
    };
    expect(fold([opened, heldWithNote, resumedAfterIt])).toMatchObject({
      status: 'in_progress',
      hold_reason: null,
      hold_note: null,
      held_at: null,
    });
    expect(fold([opened, heldWithNote, resolvedV2])).toMatchObject({ status: 'resolved', hold_reason: null, held_at: null });
    const cancelled: RequestEvent = { type: 'RequestCancelled', data: { requestId: R, reason: 'gone' } };
    expect(fold([opened, heldWithNote, cancelled])).toMatchObject({ status: 'cancelled', hold_reason: null, hold_note: null });
    const transferred: RequestEvent = {
      type: 'RequestTransferred',
      data: { requestId: R, fromDepartmentId: 'it', toDepartmentId: 'hr', reason: 'theirs' },
    };
    expect(fold([opened, heldWithNote, transferred])).toMatchObject({ status: 'new', department_id: 'hr', hold_reason: null });
  });

  it('lists tags in the order they were added, once each, and takes them off', () => {
    expect(fold([opened]).tags).toBe('[]');
    expect(fold([opened, tagged('vpn'), tagged('outage-0312')]).tags).toBe('["vpn","outage-0312"]');
    expect(fold([opened, tagged('vpn'), tagged('vpn')]).tags).toBe('["vpn"]');
    expect(fold([opened, tagged('vpn'), tagged('laptop'), untagged('vpn')]).tags).toBe('["laptop"]');
    expect(fold([opened, untagged('vpn')]).tags).toBe('[]');
  });

  it('changes nothing when a hold or a tag is applied twice', () => {
    const history = [opened, tagged('vpn'), heldWithNote, untagged('vpn'), tagged('laptop')];
    expect(fold(history, true)).toEqual(fold(history));
  });
});
