import { CommandRefusedError, ForbiddenError } from '../shared/errors';
import type { Actor } from '../shared/event';
import { MONDAY_9, agent, employee, itDepartmentWithVersion2, requestContext, system } from '../testing/fixtures';
import { R, assigned, heldAt, opened, resolvedAt, started } from '../testing/request-history';
import { specification } from '../testing/specification';
import type { OpenRequest, RequestCommand } from './request.commands';
import { requestDecider } from './request.decider';
import type { RequestEvent } from './request.events';

/**
 * SLA due times of request r-1 (high, internal, IT standard v1: 60 minutes to
 * first response, 480 to resolution; Mon–Fri 09:00–17:00 Brussels). Times
 * are written in UTC; Brussels is UTC+1 until 30 March 2025, UTC+2 after.
 */
const request = specification(requestDecider);
const at = (iso: string) => new Date(iso);

function decide(history: RequestEvent[], command: RequestCommand, actor: Actor, now: string): RequestEvent[] {
  return request
    .given(history)
    .when(command, requestContext(actor, at(now), { departments: [['it', itDepartmentWithVersion2]] }))
    .events();
}

function openAt(now: string): RequestEvent {
  const command: OpenRequest = {
    type: 'OpenRequest',
    data: {
      requestId: R,
      requesterId: 'emp-eva',
      departmentId: 'it',
      subject: opened.data.subject,
      description: opened.data.description,
      priority: 'high',
    },
  };
  return request
    .given([])
    .when(command, requestContext(agent, at(now)))
    .events()[0];
}

const resume = { type: 'ResumeWork', data: {} } as const;
const holdForRequester = { type: 'PutOnHold', data: { reason: 'awaiting_requester' } } as const;
const breach = (target: 'first_response' | 'resolution') => ({ type: 'RecordSlaBreach', data: { target } }) as const;
const publicReply = { type: 'AddComment', data: { commentId: 'c-1', body: 'On it', visibility: 'public' } } as const;

describe('SLA due times at opening', () => {
  it('counts in business hours: Monday 09:00 → first response 10:00, resolution 17:00', () => {
    expect(opened.data.sla).toMatchObject({ firstResponseDueAt: '2025-03-03T09:00:00.000Z', resolutionDueAt: '2025-03-03T16:00:00.000Z' });
    expect(openAt(MONDAY_9.toISOString())).toEqual(opened);
  });

  it('carries over the weekend: Friday 16:30 → Monday 09:30 and 16:30', () => {
    expect(openAt('2025-03-07T15:30:00.000Z').data).toMatchObject({
      sla: { firstResponseDueAt: '2025-03-10T08:30:00.000Z', resolutionDueAt: '2025-03-10T15:30:00.000Z' },
    });
  });

  it('keeps local hours across the change to summer time', () => {
    // Friday 28 March 16:30 (+01:00) → Monday 31 March 09:30 and 16:30 (+02:00).
    expect(openAt('2025-03-28T15:30:00.000Z').data).toMatchObject({
      sla: { firstResponseDueAt: '2025-03-31T07:30:00.000Z', resolutionDueAt: '2025-03-31T14:30:00.000Z' },
    });
  });

  it("skips the department's holidays", () => {
    // Friday 18 April 16:30 → Easter Monday off → Tuesday 22 April 09:30 and 16:30.
    expect(openAt('2025-04-18T14:30:00.000Z').data).toMatchObject({
      sla: { firstResponseDueAt: '2025-04-22T07:30:00.000Z', resolutionDueAt: '2025-04-22T14:30:00.000Z' },
    });
  });
});

describe('SLA clock paused while awaiting the requester', () => {
  const held = [opened, assigned, started, heldAt(at('2025-03-03T08:30:00.000Z'), 'awaiting_requester')];

  it('stops the clock at the hold and flags it, keeping the due times as they stood', () => {
    const [event] = decide([opened, assigned, started], holdForRequester, agent, '2025-03-03T08:30:00.000Z');
    expect(event).toEqual(heldAt(at('2025-03-03T08:30:00.000Z'), 'awaiting_requester'));
    expect(request.given(held).state).toMatchObject({
      status: 'on_hold',
      sla: { clockStoppedSince: '2025-03-03T08:30:00.000Z', pausedMinutes: 0, firstResponseDueAt: '2025-03-03T09:00:00.000Z' },
    });
  });

  it('moves the due times by the paused business minutes on resume', () => {
    // Held 09:30 → 11:30 local: 120 minutes. First response 10:00 → 12:00; resolution 17:00 → Tuesday 11:00.
    const events = decide(held, resume, agent, '2025-03-03T10:30:00.000Z');
    expect(events).toEqual([
      {
        type: 'RequestResumed',
        data: {
          requestId: R,
          pausedMinutes: 120,
          firstResponseDueAt: '2025-03-03T11:00:00.000Z',
          resolutionDueAt: '2025-03-04T10:00:00.000Z',
        },
      },
    ]);
    expect(request.given([...held, ...events]).state).toMatchObject({
      status: 'in_progress',
      hold: null,
      sla: { pausedMinutes: 120, clockStoppedSince: null, resolutionDueAt: '2025-03-04T10:00:00.000Z' },
    });
  });

  it('counts only business minutes of a pause over night', () => {
    // Held Monday 16:00 → Tuesday 10:00 local: 60 + 60 minutes.
    const overnight = [opened, assigned, heldAt(at('2025-03-03T15:00:00.000Z'), 'awaiting_requester')];
    const [event] = decide(overnight, resume, agent, '2025-03-04T09:00:00.000Z');
    expect(event.data).toMatchObject({ pausedMinutes: 120, resolutionDueAt: '2025-03-04T10:00:00.000Z' });
  });

  it('adds up several pauses', () => {
    const first = decide(held, resume, agent, '2025-03-03T10:30:00.000Z');
    const second = [heldAt(at('2025-03-03T11:00:00.000Z'), 'awaiting_requester')];
    const [event] = decide([...held, ...first, ...second], resume, agent, '2025-03-03T12:00:00.000Z');
    // 120 + 60 paused: resolution 17:00 + 180 → Tuesday 12:00 local.
    expect(event.data).toMatchObject({ pausedMinutes: 60, resolutionDueAt: '2025-03-04T11:00:00.000Z' });
  });

  it('does not pause for a third party', () => {
    const [event] = decide([opened, assigned, heldAt(at('2025-03-03T08:30:00.000Z'))], resume, agent, '2025-03-03T10:30:00.000Z');
    expect(event.data).toMatchObject({ pausedMinutes: 0, resolutionDueAt: '2025-03-03T16:00:00.000Z' });
  });

  it('measures a first response given during the pause at the moment the clock stopped', () => {
    // Nominally due 10:00; the reply at 12:00 came while the clock stood at 09:30.
    const [, response] = decide(held, publicReply, agent, '2025-03-03T11:00:00.000Z');
    expect(response.data).toMatchObject({
      respondedAt: '2025-03-03T11:00:00.000Z',
      dueAt: '2025-03-03T09:00:00.000Z',
      withinTarget: true,
      // The clock ran 09:00–09:30 local only.
      businessMinutes: 30,
    });
  });

  it('keeps the first-response due time once a first response was given', () => {
    const reply = decide([opened, assigned], publicReply, agent, '2025-03-03T08:10:00.000Z');
    const history = [opened, assigned, ...reply, heldAt(at('2025-03-03T08:30:00.000Z'), 'awaiting_requester')];
    const [event] = decide(history, resume, agent, '2025-03-03T10:30:00.000Z');
    expect(event.data).toMatchObject({ firstResponseDueAt: '2025-03-03T09:00:00.000Z', resolutionDueAt: '2025-03-04T10:00:00.000Z' });
  });
});

describe('what a resolution records of the SLA clock', () => {
  const resolve = { type: 'ResolveRequest', data: { resolution: 'Replaced the disk' } } as const;

  it('measures a resolution given while the clock stands still at the moment it stopped', () => {
    // On hold awaiting the requester from 09:30 local; resolved at 11:30 local.
    const held = [opened, assigned, started, heldAt(at('2025-03-03T08:30:00.000Z'), 'awaiting_requester')];
    const [event] = decide(held, resolve, agent, '2025-03-03T10:30:00.000Z');
    expect(event.data).toMatchObject({ resolvedAt: '2025-03-03T10:30:00.000Z', withinTarget: true, businessMinutes: 30 });
  });

  it('counts a resolution after the due time as late, in business minutes of the calendar', () => {
    // Due 17:00 local; resolved at 17:30 local, after the office closed: the clock ran the whole 480-minute day.
    const [event] = decide([opened, assigned, started], resolve, agent, '2025-03-03T16:30:00.000Z');
    expect(event.data).toMatchObject({ withinTarget: false, businessMinutes: 480 });
  });

  it('leaves out the minutes already paused', () => {
    const held = [opened, assigned, started, heldAt(at('2025-03-03T08:30:00.000Z'), 'awaiting_requester')];
    const resumed = decide(held, resume, agent, '2025-03-03T10:30:00.000Z');
    // 09:00 → 12:00 local is 180 minutes, 120 of them on hold.
    const [event] = decide([...held, ...resumed], resolve, agent, '2025-03-03T11:00:00.000Z');
    expect(event.data).toMatchObject({ withinTarget: true, businessMinutes: 60 });
  });

  it('has no outcome without a service standard, and counts every minute since opening', () => {
    const withoutStandard = { ...opened, data: { ...opened.data, sla: null } } as RequestEvent;
    const [event] = decide([withoutStandard, assigned, started], resolve, agent, '2025-03-03T10:00:00.000Z');
    expect(event.data).toMatchObject({ withinTarget: null, businessMinutes: 120 });
  });
});

describe('SLA re-targeted on priority change', () => {
  const toPriority = (priority: 'critical' | 'medium' | 'low') =>
    ({ type: 'ChangePriority', data: { priority, reason: 'reassessed' } }) as const;

  it('re-targets against the version the request records, not the current one', () => {
    // The department now has version 2 (a fifth of every target, 24×7); r-1 stays on version 1.
    expect(decide([opened], toPriority('medium'), agent, '2025-03-03T08:30:00.000Z')).toEqual([
      {
        type: 'RequestPriorityChanged',
        data: {
          requestId: R,
          from: 'high',
          to: 'medium',
          impact: null,
          urgency: null,
          reason: 'reassessed',
          // medium/internal: 240 → 13:00 local; 960 → Tuesday 17:00 local.
          firstResponseMinutes: 240,
          resolutionMinutes: 960,
          firstResponseDueAt: '2025-03-03T12:00:00.000Z',
          resolutionDueAt: '2025-03-04T16:00:00.000Z',
        },
      },
    ]);
  });

  it('tightens the due times when raised', () => {
    const [event] = decide([opened], toPriority('critical'), agent, '2025-03-03T08:05:00.000Z');
    expect(event.data).toMatchObject({ firstResponseDueAt: '2025-03-03T08:15:00.000Z', resolutionDueAt: '2025-03-03T10:00:00.000Z' });
  });

  it('keeps the paused minutes already counted', () => {
    const held = [opened, assigned, heldAt(at('2025-03-03T08:30:00.000Z'), 'awaiting_requester')];
    const resumed = decide(held, resume, agent, '2025-03-03T10:30:00.000Z');
    const [event] = decide([...held, ...resumed], toPriority('medium'), agent, '2025-03-03T10:40:00.000Z');
    // 240 + 120 → 15:00 local; 960 + 120 → Wednesday 11:00 local.
    expect(event.data).toMatchObject({ firstResponseDueAt: '2025-03-03T14:00:00.000Z', resolutionDueAt: '2025-03-05T10:00:00.000Z' });
  });

  it('leaves the first-response terms alone once a first response was given', () => {
    const reply = decide([opened, assigned], publicReply, agent, '2025-03-03T08:10:00.000Z');
    const [event] = decide([opened, assigned, ...reply], toPriority('low'), agent, '2025-03-03T08:30:00.000Z');
    expect(event.data).toMatchObject({ firstResponseMinutes: 60, firstResponseDueAt: '2025-03-03T09:00:00.000Z', resolutionMinutes: 2400 });
  });

  it('gives null due times for a priority the standard has no target for', () => {
    const client = { ...opened, data: { ...opened.data, audience: 'external' } } as RequestEvent;
    const [event] = decide([client], toPriority('low'), agent, '2025-03-03T08:30:00.000Z');
    expect(event.data).toMatchObject({
      firstResponseMinutes: null,
      resolutionMinutes: null,
      firstResponseDueAt: null,
      resolutionDueAt: null,
    });
  });
});

describe('SLA clock stopped while resolved', () => {
  it('excludes the time spent resolved when reopened', () => {
    // Resolved Monday 12:00, reopened Tuesday 12:00 local: 480 business minutes.
    const history = [opened, assigned, started, resolvedAt(at('2025-03-03T11:00:00.000Z'))];
    const [event] = decide(history, { type: 'ReopenRequest', data: { reason: 'broken again' } }, employee, '2025-03-04T11:00:00.000Z');
    expect(event).toEqual({
      type: 'RequestReopened',
      data: {
        requestId: R,
        reason: 'broken again',
        pausedMinutes: 480,
        firstResponseDueAt: '2025-03-04T09:00:00.000Z',
        resolutionDueAt: '2025-03-04T16:00:00.000Z',
      },
    });
    expect(request.given([...history, event]).state).toMatchObject({
      status: 'in_progress',
      resolvedAt: null,
      reopenCount: 1,
      sla: { pausedMinutes: 480, clockStoppedSince: null },
    });
  });

  it('counts a pause awaiting the requester that the resolution ended from the start of the hold', () => {
    const history = [
      opened,
      assigned,
      heldAt(at('2025-03-03T08:30:00.000Z'), 'awaiting_requester'),
      resolvedAt(at('2025-03-03T09:30:00.000Z')),
    ];
    expect(request.given(history).state).toMatchObject({ sla: { clockStoppedSince: '2025-03-03T08:30:00.000Z' } });
    const [event] = decide(history, { type: 'ReopenRequest', data: { reason: '' } }, agent, '2025-03-03T10:30:00.000Z');
    expect(event.data).toMatchObject({ pausedMinutes: 120 });
  });
});

describe('RecordSlaBreach', () => {
  const breached = (target: 'first_response' | 'resolution', dueAt: string, breachedAt: string): RequestEvent => ({
    type: 'SlaBreached',
    data: { requestId: R, target, dueAt, breachedAt, standardVersion: 1 },
  });

  it('records a breach once the due time has passed', () => {
    expect(decide([opened, assigned], breach('first_response'), system, '2025-03-03T09:00:01.000Z')).toEqual([
      breached('first_response', '2025-03-03T09:00:00.000Z', '2025-03-03T09:00:01.000Z'),
    ]);
  });

  it('records it once: a second process noticing it appends nothing', () => {
    const history = [opened, breached('resolution', '2025-03-03T16:00:00.000Z', '2025-03-03T16:01:00.000Z')];
    expect(decide(history, breach('resolution'), system, '2025-03-03T16:02:00.000Z')).toEqual([]);
    expect(request.given(history).state).toMatchObject({ breaches: ['resolution'] });
  });

  it('refuses a target not due yet', () => {
    request
      .given([opened])
      .when(breach('resolution'), requestContext(system, at('2025-03-03T16:00:00.000Z')))
      .thenThrows(
        CommandRefusedError,
        'cannot record a resolution breach on request r-1 (new): it is not due yet (due 2025-03-03T16:00:00.000Z)',
      );
  });

  it('refuses a target met in time, and records one met late', () => {
    const inTime = [opened, assigned, resolvedAt(at('2025-03-03T15:00:00.000Z'))];
    request
      .given(inTime)
      .when(breach('resolution'), requestContext(system, at('2025-03-04T08:00:00.000Z')))
      .thenThrows(CommandRefusedError, 'it was resolved within its target');
    const late = [opened, assigned, resolvedAt(at('2025-03-03T16:30:00.000Z'))];
    expect(decide(late, breach('resolution'), system, '2025-03-04T08:00:00.000Z')).toEqual([
      breached('resolution', '2025-03-03T16:00:00.000Z', '2025-03-04T08:00:00.000Z'),
    ]);
  });

  it('judges the first response by the reply', () => {
    const onTime = decide([opened], publicReply, agent, '2025-03-03T08:59:00.000Z');
    request
      .given([opened, ...onTime])
      .when(breach('first_response'), requestContext(system, at('2025-03-03T12:00:00.000Z')))
      .thenThrows(CommandRefusedError, 'the first response was given within its target');
    const late = decide([opened], publicReply, agent, '2025-03-03T09:30:00.000Z');
    expect(decide([opened, ...late], breach('first_response'), system, '2025-03-03T12:00:00.000Z')).toHaveLength(1);
  });

  it('refuses while the clock is paused before the due time, but records a breach that happened before the pause', () => {
    const pausedInTime = [opened, assigned, heldAt(at('2025-03-03T08:30:00.000Z'), 'awaiting_requester')];
    request
      .given(pausedInTime)
      .when(breach('first_response'), requestContext(system, at('2025-03-03T12:00:00.000Z')))
      .thenThrows(CommandRefusedError, 'the SLA clock is paused since 2025-03-03T08:30:00.000Z');
    const pausedLate = [opened, assigned, heldAt(at('2025-03-03T09:30:00.000Z'), 'awaiting_requester')];
    expect(decide(pausedLate, breach('first_response'), system, '2025-03-03T12:00:00.000Z')).toHaveLength(1);
  });

  it('refuses a target the request does not have', () => {
    request
      .given([{ ...opened, data: { ...opened.data, sla: null } } as RequestEvent])
      .when(breach('resolution'), requestContext(system, at('2025-03-05T12:00:00.000Z')))
      .thenThrows(CommandRefusedError, 'it has no resolution target');
  });

  it('is for the SLA process only', () => {
    request
      .given([opened])
      .when(breach('resolution'), requestContext(agent, at('2025-03-05T12:00:00.000Z')))
      .thenThrows(ForbiddenError, 'only system may');
  });
});
