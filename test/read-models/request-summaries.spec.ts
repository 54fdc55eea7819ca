import type { BusinessCalendar, SlaTarget } from '@desk/domain';
import type { ReadModelStore, RequestSummaryRow } from '@desk/read-models';
import type { DeskHistory } from '@desk/application/testing/desk-history';
import {
  agent,
  breach,
  BRUSSELS_OFFICE,
  cancel,
  close,
  desk,
  escalate,
  followUp,
  hold,
  holdFor,
  rate,
  reopen,
  reply,
  reprioritize,
  requester,
  resume,
  SYSTEM,
  transfer,
} from './scenario-desk';
import { describeOnEveryReadModelStore, dumpReadModels, project } from './support/read-model-backends';

/**
 * Given events (made by the real deciders), then the request_summaries row.
 * Every expected time and figure below is worked out by hand in the comments:
 * IT counts every minute; the shop counts Brussels office hours, which are
 * 08:00–16:00 UTC in March until the change to summer time (29 March).
 */
describeOnEveryReadModelStore('request-summaries projection', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const row = async (id: string): Promise<RequestSummaryRow> =>
    (await store.reader
      .selectFrom('request_summaries')
      .selectAll()
      .where('request_id', '=', id)
      .executeTakeFirstOrThrow()) as RequestSummaryRow;

  /**
   * Projects what the history recorded since the last step, and checks that
   * the row changed in exactly the columns given (every other column as
   * before); the first call only takes the row as it is.
   */
  function stepper(history: DeskHistory, id: string) {
    let mark = 0;
    let before: RequestSummaryRow | undefined;
    return async (changes: Partial<RequestSummaryRow>): Promise<void> => {
      await project(store, history.since(mark));
      mark = history.events.length;
      const after = await row(id);
      if (before) expect(after).toEqual({ ...before, ...changes });
      before = after;
    };
  }

  describe('departments and standards', () => {
    it('records every department, and the calendar of every version of its standard', async () => {
      const history = desk();
      history.advance(30).departmentCommand('it', {
        type: 'PublishServiceStandard',
        data: {
          targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 60, resolutionMinutes: 480 }],
          calendar: BRUSSELS_OFFICE,
        },
      });
      history.department('legal', 'Legal');
      await project(store, history.events);
      expect(await store.reader.selectFrom('departments').selectAll().orderBy('department_id').execute()).toEqual([
        { department_id: 'hr', name: 'HR', registered_at: '2026-03-02T08:00:00.000Z' },
        { department_id: 'it', name: 'IT', registered_at: '2026-03-02T08:00:00.000Z' },
        { department_id: 'legal', name: 'Legal', registered_at: '2026-03-02T08:30:00.000Z' },
        { department_id: 'shop', name: 'Shop', registered_at: '2026-03-02T08:00:00.000Z' },
      ]);
      const calendars = await store.reader
        .selectFrom('sla_calendars')
        .selectAll()
        .orderBy('department_id')
        .orderBy('standard_version')
        .execute();
      expect(calendars.map((c) => [c.department_id, c.standard_version, c.calendar === null ? null : JSON.parse(c.calendar)])).toEqual([
        ['it', 1, null],
        ['it', 2, BRUSSELS_OFFICE],
        ['shop', 1, BRUSSELS_OFFICE],
      ]);
    });

    it('keeps measuring a request against the version it was opened under, and a later request against the new one', async () => {
      const history = desk().open('a1', 'eva', 'it', { priority: 'high' });
      // v2 at 08:05: high internal 60 / 480 minutes, in Brussels office hours.
      history.advance(5).departmentCommand('it', {
        type: 'PublishServiceStandard',
        data: {
          targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 60, resolutionMinutes: 480 }],
          calendar: BRUSSELS_OFFICE,
        },
      });
      history.work('a1').advance(5).request('a1', hold('awaiting_requester'));
      // On hold 08:10–15:10: v1 has no calendar, so 420 minutes stood still (Brussels hours would count 350).
      history.at('2026-03-02T15:10:00.000Z').request('a1', resume);
      history.advance(20).open('a2', 'eva', 'it', { priority: 'high' });
      await project(store, history.events);
      expect(await row('a1')).toMatchObject({
        sla_standard_version: 1,
        paused_minutes: 420,
        first_response_minutes: 30,
        // 08:00 + 30 + 420 minutes; at risk 08:00 + 23 + 420.
        first_response_due_at: '2026-03-02T15:30:00.000Z',
        first_response_at_risk_at: '2026-03-02T15:23:00.000Z',
        // 08:00 + 240 + 420; at risk 08:00 + 180 + 420.
        resolution_due_at: '2026-03-02T19:00:00.000Z',
        resolution_at_risk_at: '2026-03-02T18:00:00.000Z',
      });
      // a2 opened Monday 15:30Z (16:30 in Brussels): 30 business minutes left on Monday.
      expect(await row('a2')).toMatchObject({
        sla_department_id: 'it',
        sla_standard_version: 2,
        first_response_minutes: 60,
        resolution_minutes: 480,
        // 60 = 30 on Monday + 30 from Tuesday 08:00Z; at risk after 45 = 30 + 15.
        first_response_due_at: '2026-03-03T08:30:00.000Z',
        first_response_at_risk_at: '2026-03-03T08:15:00.000Z',
        // 480 = 30 + 450 on Tuesday; at risk after 360 = 30 + 330.
        resolution_due_at: '2026-03-03T15:30:00.000Z',
        resolution_at_risk_at: '2026-03-03T13:30:00.000Z',
        opened_day: '2026-03-02',
      });
    });
  });

  describe('RequestOpened', () => {
    it('fills every column of a new row from the event and the standard', async () => {
      const history = desk().open('a', 'eva', 'it', { priority: 'high', category: 'network', channel: 'phone', subject: '  VPN drops  ' });
      await project(store, history.events);
      expect(await row('a')).toEqual({
        request_id: 'a',
        revision: 0,
        department_id: 'it',
        requester_id: 'eva',
        audience: 'internal',
        requester_kind: 'employee',
        exposed_to_external: 0,
        subject: 'VPN drops',
        category: 'network',
        channel: 'phone',
        status: 'new',
        is_open: 1,
        priority: 'high',
        priority_rank: 1,
        tier: 'L1',
        assignee_id: null,
        hold_reason: null,
        hold_note: null,
        held_at: null,
        tags: '[]',
        opened_at: '2026-03-02T08:00:00.000Z',
        opened_day: '2026-03-02',
        sla_department_id: 'it',
        sla_standard_version: 1,
        first_response_minutes: 30,
        resolution_minutes: 240,
        first_response_due_at: '2026-03-02T08:30:00.000Z',
        resolution_due_at: '2026-03-02T12:00:00.000Z',
        // 75% of 30 minutes is 22.5: at risk from the 23rd minute; 75% of 240 is 180.
        first_response_at_risk_at: '2026-03-02T08:23:00.000Z',
        resolution_at_risk_at: '2026-03-02T11:00:00.000Z',
        paused_minutes: 0,
        clock_stopped_since: null,
        // Unmet with the clock running: a breach of each is there to record from its due time on.
        first_response_breach_due_at: '2026-03-02T08:30:00.000Z',
        resolution_breach_due_at: '2026-03-02T12:00:00.000Z',
        first_responded_at: null,
        first_response_within_target: null,
        first_response_elapsed_minutes: null,
        first_response_business_minutes: null,
        first_response_breached: 0,
        resolution_breached: 0,
        resolved_at: null,
        resolved_day: null,
        resolution_elapsed_minutes: null,
        resolution_business_minutes: null,
        resolution_within_target: null,
        closed_at: null,
        cancelled_at: null,
        next_due_at: '2026-03-02T08:30:00.000Z',
        satisfaction_score: null,
        satisfaction_comment: null,
        rated_at: null,
        follow_up_of: null,
        follow_up_request_id: null,
        reopen_count: 0,
        transfer_count: 0,
        last_event_at: '2026-03-02T08:00:00.000Z',
      });
    });

    it('marks a customer-facing employee’s request as exposed, derives the priority from impact × urgency, and defaults the channel', async () => {
      const history = desk().open('b', 'rita', 'shop', { priority: undefined, impact: 'high', urgency: 'low' });
      await project(store, history.events);
      // high × low → medium; the shop's internal medium target is 120 / 960 business minutes from Monday 09:00 local.
      expect(await row('b')).toMatchObject({
        exposed_to_external: 1,
        audience: 'internal',
        priority: 'medium',
        priority_rank: 2,
        channel: 'portal',
        category: null,
        first_response_due_at: '2026-03-02T10:00:00.000Z',
        // 960 = 480 on Monday + 480 on Tuesday, ending at 16:00Z.
        resolution_due_at: '2026-03-03T16:00:00.000Z',
      });
    });

    it('keeps the SLA’s department and version but no due time where the standard has no target for the priority and audience', async () => {
      // IT has no external targets; the shop none for internal high.
      const history = desk().open('ext', 'olga', 'it').open('int', 'rita', 'shop', { priority: 'high' });
      await project(store, history.events);
      const noTarget = {
        sla_standard_version: 1,
        first_response_minutes: null,
        resolution_minutes: null,
        first_response_due_at: null,
        resolution_due_at: null,
        first_response_at_risk_at: null,
        resolution_at_risk_at: null,
        next_due_at: null,
      };
      expect(await row('ext')).toMatchObject({ ...noTarget, sla_department_id: 'it', audience: 'external', requester_kind: 'individual' });
      expect(await row('int')).toMatchObject({ ...noTarget, sla_department_id: 'shop' });
    });

    it('has no SLA at all in a department without a service standard, and counts days in UTC there', async () => {
      const history = desk().at('2026-03-02T23:30:00.000Z').open('h', 'eva', 'hr');
      await project(store, history.events);
      expect(await row('h')).toMatchObject({
        sla_department_id: null,
        sla_standard_version: null,
        first_response_minutes: null,
        resolution_minutes: null,
        first_response_due_at: null,
        resolution_due_at: null,
        first_response_at_risk_at: null,
        resolution_at_risk_at: null,
        next_due_at: null,
        opened_day: '2026-03-02',
      });
    });

    it('counts due and risk times in business hours, overnight, and days in the calendar’s time zone', async () => {
      // Monday 15:00Z is 16:00 in Brussels: one working hour left that day.
      const history = desk().at('2026-03-02T15:00:00.000Z').open('c', 'omar', 'shop', { priority: 'medium' });
      history.at('2026-03-02T23:30:00.000Z').open('late', 'omar', 'shop', { priority: 'medium' });
      await project(store, history.events);
      expect(await row('c')).toMatchObject({
        audience: 'external',
        // 120 business minutes: 60 on Monday, 60 on Tuesday from 08:00Z.
        first_response_due_at: '2026-03-03T09:00:00.000Z',
        // 90: 60 on Monday, 30 on Tuesday.
        first_response_at_risk_at: '2026-03-03T08:30:00.000Z',
        // 960: 60 on Monday, 480 on Tuesday, 420 on Wednesday from 08:00Z.
        resolution_due_at: '2026-03-04T15:00:00.000Z',
        // 720: 60 + 480, then 180 on Wednesday.
        resolution_at_risk_at: '2026-03-04T11:00:00.000Z',
        next_due_at: '2026-03-03T09:00:00.000Z',
        opened_day: '2026-03-02',
      });
      // 23:30Z on Monday is 00:30 on Tuesday in Brussels; no working minute before Tuesday 08:00Z.
      expect(await row('late')).toMatchObject({
        opened_day: '2026-03-03',
        first_response_due_at: '2026-03-03T10:00:00.000Z',
        first_response_at_risk_at: '2026-03-03T09:30:00.000Z',
      });
    });

    it('counts business time across the weekend and the change to summer time', async () => {
      // Friday 27 March 15:00Z = 16:00 CET; from Monday 30 March the office opens at 07:00Z (09:00 CEST).
      const history = desk().at('2026-03-27T15:00:00.000Z').open('d', 'omar', 'shop', { priority: 'medium' });
      await project(store, history.events);
      expect(await row('d')).toMatchObject({
        opened_day: '2026-03-27',
        // 120 = 60 on Friday + 60 on Monday from 07:00Z; at risk after 90 = 60 + 30.
        first_response_due_at: '2026-03-30T08:00:00.000Z',
        first_response_at_risk_at: '2026-03-30T07:30:00.000Z',
        // 960 = 60 + 480 on Monday + 420 on Tuesday from 07:00Z; at risk after 720 = 60 + 480 + 180.
        resolution_due_at: '2026-03-31T14:00:00.000Z',
        resolution_at_risk_at: '2026-03-31T10:00:00.000Z',
      });
    });

    it('skips the holidays of the calendar', async () => {
      const withHoliday: BusinessCalendar = { ...BRUSSELS_OFFICE, holidays: ['2026-03-03'] };
      const targets: SlaTarget[] = [{ priority: 'medium', audience: 'internal', firstResponseMinutes: 120, resolutionMinutes: 480 }];
      const history = desk().department('legal', 'Legal', targets, withHoliday);
      history.at('2026-03-02T15:00:00.000Z').open('l', 'eva', 'legal');
      await project(store, history.events);
      // Monday 60 minutes, Tuesday a holiday, then Wednesday from 08:00Z.
      expect(await row('l')).toMatchObject({
        first_response_due_at: '2026-03-04T09:00:00.000Z',
        first_response_at_risk_at: '2026-03-04T08:30:00.000Z',
        resolution_due_at: '2026-03-04T15:00:00.000Z',
        resolution_at_risk_at: '2026-03-04T13:00:00.000Z',
      });
    });

    it('opens a row only once: a second RequestOpened of the same request changes nothing', async () => {
      const history = desk().open('a', 'eva', 'it').work('a');
      await project(store, history.events);
      const before = await row('a');
      await project(store, history.events.slice(0, history.events.length - 2));
      expect(await row('a')).toEqual(before);
    });
  });

  describe('one request through its lifecycle, event by event', () => {
    it('changes exactly the columns each event touches (IT: every minute counts; high = 30 / 240 minutes)', async () => {
      const history = desk().open('a', 'eva', 'it', { priority: 'high' });
      const step = stepper(history, 'a');
      await step({});
      const opened = await row('a');
      expect(opened).toMatchObject({
        revision: 0,
        first_response_due_at: '2026-03-02T08:30:00.000Z',
        next_due_at: '2026-03-02T08:30:00.000Z',
      });

      history.advance(5).assign('a');
      await step({ revision: 1, last_event_at: '2026-03-02T08:05:00.000Z', status: 'assigned', assignee_id: 'agent-ann' });

      history.assign('a', 'agent-bob');
      await step({ revision: 2, assignee_id: 'agent-bob' });

      history.request('a', { type: 'StartWork', data: {} }, agent('agent-bob'));
      await step({ revision: 3, status: 'in_progress' });

      history.advance(5).request('a', escalate);
      await step({ revision: 4, last_event_at: '2026-03-02T08:10:00.000Z', tier: 'L2' });

      // Awaiting a third party: the clock keeps running, nothing moves.
      history.request('a', hold('awaiting_third_party'));
      await step({ revision: 5, status: 'on_hold', hold_reason: 'awaiting_third_party', held_at: '2026-03-02T08:10:00.000Z' });
      history.advance(10).request('a', resume);
      await step({ revision: 6, last_event_at: '2026-03-02T08:20:00.000Z', status: 'in_progress', hold_reason: null, held_at: null });

      // Awaiting the requester from 08:20 to 09:20: the clock stands still for 60 minutes, so nothing can fall due.
      history.request('a', hold('awaiting_requester'));
      await step({
        revision: 7,
        status: 'on_hold',
        hold_reason: 'awaiting_requester',
        held_at: '2026-03-02T08:20:00.000Z',
        clock_stopped_since: '2026-03-02T08:20:00.000Z',
        first_response_breach_due_at: null,
        resolution_breach_due_at: null,
      });
      history.advance(60).request('a', resume);
      await step({
        revision: 8,
        last_event_at: '2026-03-02T09:20:00.000Z',
        status: 'in_progress',
        hold_reason: null,
        held_at: null,
        clock_stopped_since: null,
        paused_minutes: 60,
        first_response_due_at: '2026-03-02T09:30:00.000Z',
        first_response_at_risk_at: '2026-03-02T09:23:00.000Z',
        resolution_due_at: '2026-03-02T13:00:00.000Z',
        resolution_at_risk_at: '2026-03-02T12:00:00.000Z',
        next_due_at: '2026-03-02T09:30:00.000Z',
        first_response_breach_due_at: '2026-03-02T09:30:00.000Z',
        resolution_breach_due_at: '2026-03-02T13:00:00.000Z',
      });

      // Critical (15 / 120) at 09:25, re-targeted from the opening with the 60 paused minutes.
      history.advance(5).request('a', reprioritize('critical'));
      await step({
        revision: 9,
        last_event_at: '2026-03-02T09:25:00.000Z',
        priority: 'critical',
        priority_rank: 0,
        first_response_minutes: 15,
        resolution_minutes: 120,
        // 08:00 + 15 + 60; at risk after 12 (11.25 rounded up) + 60.
        first_response_due_at: '2026-03-02T09:15:00.000Z',
        first_response_at_risk_at: '2026-03-02T09:12:00.000Z',
        // 08:00 + 120 + 60; at risk after 90 + 60.
        resolution_due_at: '2026-03-02T11:00:00.000Z',
        resolution_at_risk_at: '2026-03-02T10:30:00.000Z',
        next_due_at: '2026-03-02T09:15:00.000Z',
        first_response_breach_due_at: '2026-03-02T09:15:00.000Z',
        resolution_breach_due_at: '2026-03-02T11:00:00.000Z',
      });

      // Recorded: nothing more to record for that target.
      history.advance(1).request('a', breach('first_response'), SYSTEM);
      await step({
        revision: 10,
        last_event_at: '2026-03-02T09:26:00.000Z',
        first_response_breached: 1,
        first_response_breach_due_at: null,
      });

      // An internal note and the requester's own public comment are no first response: the row does not follow comments.
      history.advance(4).request('a', reply('note', 'internal')).request('a', reply('from-eva'), requester('eva'));
      await step({});

      history.advance(10).resolve('a');
      await step({
        revision: 13,
        last_event_at: '2026-03-02T09:40:00.000Z',
        status: 'resolved',
        is_open: 0,
        resolved_at: '2026-03-02T09:40:00.000Z',
        resolved_day: '2026-03-02',
        // 100 minutes since opening, 60 of them paused.
        resolution_elapsed_minutes: 100,
        resolution_business_minutes: 40,
        resolution_within_target: 1,
        clock_stopped_since: '2026-03-02T09:40:00.000Z',
        next_due_at: null,
        resolution_breach_due_at: null,
      });

      // Reopened at 10:10: 30 more minutes stood still (90 in all); the unanswered first response moves too.
      history.advance(30).request('a', reopen, requester('eva'));
      await step({
        revision: 14,
        last_event_at: '2026-03-02T10:10:00.000Z',
        status: 'in_progress',
        is_open: 1,
        reopen_count: 1,
        paused_minutes: 90,
        clock_stopped_since: null,
        resolved_at: null,
        resolved_day: null,
        resolution_elapsed_minutes: null,
        resolution_business_minutes: null,
        resolution_within_target: null,
        // 08:00 + 15 + 90 and 12 + 90; 08:00 + 120 + 90 and 90 + 90.
        first_response_due_at: '2026-03-02T09:45:00.000Z',
        first_response_at_risk_at: '2026-03-02T09:42:00.000Z',
        resolution_due_at: '2026-03-02T11:30:00.000Z',
        resolution_at_risk_at: '2026-03-02T11:00:00.000Z',
        next_due_at: '2026-03-02T09:45:00.000Z',
        resolution_breach_due_at: '2026-03-02T11:30:00.000Z',
      });

      // The first public reply by the desk at 10:15, after its due time of 09:45.
      history.advance(5).request('a', reply('first'));
      await step({
        revision: 16,
        last_event_at: '2026-03-02T10:15:00.000Z',
        first_responded_at: '2026-03-02T10:15:00.000Z',
        first_response_within_target: 0,
        first_response_elapsed_minutes: 135,
        first_response_business_minutes: 45,
        next_due_at: '2026-03-02T11:30:00.000Z',
      });

      // A second public reply is just a comment.
      history.request('a', reply('second'));
      await step({});

      history.advance(45).resolve('a');
      await step({
        revision: 18,
        last_event_at: '2026-03-02T11:00:00.000Z',
        status: 'resolved',
        is_open: 0,
        resolved_at: '2026-03-02T11:00:00.000Z',
        resolved_day: '2026-03-02',
        resolution_elapsed_minutes: 180,
        resolution_business_minutes: 90,
        resolution_within_target: 1,
        clock_stopped_since: '2026-03-02T11:00:00.000Z',
        next_due_at: null,
        resolution_breach_due_at: null,
      });

      history.advance(5).request('a', rate(2, 'slow'), requester('eva'));
      await step({
        revision: 19,
        last_event_at: '2026-03-02T11:05:00.000Z',
        satisfaction_score: 2,
        satisfaction_comment: 'slow',
        rated_at: '2026-03-02T11:05:00.000Z',
      });

      history.advance(5).request('a', close, requester('eva'));
      await step({ revision: 20, last_event_at: '2026-03-02T11:10:00.000Z', status: 'closed', closed_at: '2026-03-02T11:10:00.000Z' });
    });

    it('changes nothing on a compensation offer; transfers a request held awaiting the requester, restarting its clock in business time; cancels', async () => {
      // omar, external high in the shop (60 / 240 business minutes), opened Monday 08:00Z = 09:00 in Brussels.
      const history = desk().open('x', 'omar', 'shop', { priority: 'high', channel: 'email', category: 'delivery' });
      const step = stepper(history, 'x');
      await step({});
      expect(await row('x')).toMatchObject({
        audience: 'external',
        requester_kind: 'individual',
        first_response_due_at: '2026-03-02T09:00:00.000Z',
        first_response_at_risk_at: '2026-03-02T08:45:00.000Z',
        resolution_due_at: '2026-03-02T12:00:00.000Z',
        resolution_at_risk_at: '2026-03-02T11:00:00.000Z',
      });

      history.advance(10).request('x', {
        type: 'OfferCompensation',
        data: { compensationId: 'k1', kind: 'credit', amount: 10, currency: 'EUR' },
      });
      await step({});

      history.work('x').request('x', hold('awaiting_requester'));
      await step({
        revision: 4,
        last_event_at: '2026-03-02T08:10:00.000Z',
        status: 'on_hold',
        hold_reason: 'awaiting_requester',
        held_at: '2026-03-02T08:10:00.000Z',
        assignee_id: 'agent-ann',
        clock_stopped_since: '2026-03-02T08:10:00.000Z',
        first_response_breach_due_at: null,
        resolution_breach_due_at: null,
      });

      // Transferred to IT on Tuesday 08:30Z: the hold ends (RequestResumed) and the request lands as new.
      // Stood still: Monday 08:10–16:00Z (470) + Tuesday 08:00–08:30Z (30) = 500 business minutes.
      history.at('2026-03-03T08:30:00.000Z').request('x', transfer('it'));
      await step({
        revision: 6,
        last_event_at: '2026-03-03T08:30:00.000Z',
        department_id: 'it',
        status: 'new',
        hold_reason: null,
        held_at: null,
        assignee_id: null,
        transfer_count: 1,
        paused_minutes: 500,
        clock_stopped_since: null,
        // Still the shop's promise, in the shop's hours: 60 + 500 = 560 = Monday 480 + Tuesday 80.
        first_response_due_at: '2026-03-03T09:20:00.000Z',
        // 45 + 500 = 545 = 480 + 65.
        first_response_at_risk_at: '2026-03-03T09:05:00.000Z',
        // 240 + 500 = 740 = 480 + 260; 180 + 500 = 680 = 480 + 200.
        resolution_due_at: '2026-03-03T12:20:00.000Z',
        resolution_at_risk_at: '2026-03-03T11:20:00.000Z',
        next_due_at: '2026-03-03T09:20:00.000Z',
        first_response_breach_due_at: '2026-03-03T09:20:00.000Z',
        resolution_breach_due_at: '2026-03-03T12:20:00.000Z',
      });
      expect(await row('x')).toMatchObject({ sla_department_id: 'shop', sla_standard_version: 1 });

      history.advance(10).request('x', cancel, requester('omar'));
      await step({
        revision: 7,
        last_event_at: '2026-03-03T08:40:00.000Z',
        status: 'cancelled',
        is_open: 0,
        cancelled_at: '2026-03-03T08:40:00.000Z',
        next_due_at: null,
        // A cancelled request records no breach.
        first_response_breach_due_at: null,
        resolution_breach_due_at: null,
      });
    });

    it('keeps the clock running on holds awaiting a third party or blocked by another request', async () => {
      const history = desk().open('blocker', 'eva', 'it').open('a', 'eva', 'it').open('b', 'eva', 'it').work('a').work('b');
      history.advance(10).request('a', hold('awaiting_third_party')).request('b', holdFor('blocker'));
      history.advance(50).request('a', resume).request('b', resume);
      await project(store, history.events);
      for (const id of ['a', 'b']) {
        expect(await row(id)).toMatchObject({
          status: 'in_progress',
          clock_stopped_since: null,
          paused_minutes: 0,
          first_response_due_at: '2026-03-02T09:00:00.000Z',
          resolution_due_at: '2026-03-02T16:00:00.000Z',
        });
      }
    });
  });

  describe('resolution figures', () => {
    it('measures a resolution given while on hold awaiting the requester at the moment the clock stopped, and reopens from there', async () => {
      // Medium in IT: 60 / 480 minutes from 08:00.
      const history = desk().open('h', 'eva', 'it').work('h').advance(30).request('h', hold('awaiting_requester'));
      history.at('2026-03-02T10:00:00.000Z').resolve('h');
      await project(store, history.events);
      expect(await row('h')).toMatchObject({
        status: 'resolved',
        resolved_at: '2026-03-02T10:00:00.000Z',
        resolution_elapsed_minutes: 120,
        // The clock ran 08:00–08:30 only.
        resolution_business_minutes: 30,
        resolution_within_target: 1,
        clock_stopped_since: '2026-03-02T08:30:00.000Z',
      });
      const mark = history.events.length;
      // Reopened at 11:00: stood still since 08:30, 150 minutes.
      history.at('2026-03-02T11:00:00.000Z').request('h', reopen, requester('eva'));
      await project(store, history.since(mark));
      expect(await row('h')).toMatchObject({
        status: 'in_progress',
        paused_minutes: 150,
        clock_stopped_since: null,
        // 08:00 + 60 + 150; at risk 45 + 150.
        first_response_due_at: '2026-03-02T11:30:00.000Z',
        first_response_at_risk_at: '2026-03-02T11:15:00.000Z',
        // 08:00 + 480 + 150; at risk 360 + 150.
        resolution_due_at: '2026-03-02T18:30:00.000Z',
        resolution_at_risk_at: '2026-03-02T16:30:00.000Z',
        next_due_at: '2026-03-02T11:30:00.000Z',
      });
    });

    it('counts a late resolution, and a recorded resolution breach, against the target', async () => {
      // Critical: resolution due 10:00.
      const history = desk().open('late', 'eva', 'it', { priority: 'critical' }).work('late');
      history.at('2026-03-02T10:01:00.000Z').request('late', breach('resolution'), SYSTEM);
      history.at('2026-03-02T10:30:00.000Z').resolve('late');
      await project(store, history.events);
      expect(await row('late')).toMatchObject({
        resolution_breached: 1,
        first_response_breached: 0,
        resolution_elapsed_minutes: 150,
        resolution_business_minutes: 150,
        resolution_within_target: 0,
        resolved_day: '2026-03-02',
      });
    });

    it('measures resolutions in business minutes of the calendar, and places the day in its time zone', async () => {
      // Shop, external high, opened Monday 14:00Z (15:00 local); answered 14:10Z; on hold awaiting the requester
      // from Monday 14:30Z to Tuesday 09:00Z: 90 + 60 = 150 business minutes stood still.
      const history = desk().at('2026-03-02T14:00:00.000Z').open('s', 'olga', 'shop', { priority: 'high' }).work('s');
      history.advance(10).request('s', reply('hello'));
      history.advance(20).request('s', hold('awaiting_requester'));
      history.at('2026-03-03T09:00:00.000Z').request('s', resume);
      history.at('2026-03-03T10:00:00.000Z').resolve('s');
      await project(store, history.events);
      expect(await row('s')).toMatchObject({
        first_response_elapsed_minutes: 10,
        first_response_business_minutes: 10,
        first_response_within_target: 1,
        paused_minutes: 150,
        // Opened + 240 + 150 = 390 = 120 on Monday + 270 on Tuesday.
        resolution_due_at: '2026-03-03T12:30:00.000Z',
        // 20 hours since opening; 240 business minutes (120 Monday + 120 Tuesday), 150 of them paused.
        resolution_elapsed_minutes: 1200,
        resolution_business_minutes: 90,
        resolution_within_target: 1,
        resolved_day: '2026-03-03',
      });
    });
  });

  describe('satisfaction and follow-ups', () => {
    it('records a rating without a comment', async () => {
      const history = desk().open('r', 'olga', 'shop', { priority: 'high' }).work('r').resolve('r').advance(3);
      history.request('r', rate(5), requester('olga'));
      await project(store, history.events);
      expect(await row('r')).toMatchObject({ satisfaction_score: 5, satisfaction_comment: null, rated_at: '2026-03-02T08:03:00.000Z' });
    });

    it('links a follow-up request to the poor rating it follows up, without touching anything else of the rated request', async () => {
      const history = desk().open('r', 'eva', 'it').work('r').resolve('r').request('r', rate(1), requester('eva'));
      await project(store, history.events);
      const rated = await row('r');
      const mark = history.events.length;
      history.advance(1).request('fu', followUp('fu', 'r', 'eva', 'it'), SYSTEM);
      await project(store, history.since(mark));
      expect(await row('r')).toEqual({ ...rated, follow_up_request_id: 'fu' });
      expect(await row('fu')).toMatchObject({
        follow_up_of: 'r',
        follow_up_request_id: null,
        status: 'new',
        priority: 'high',
        department_id: 'it',
        requester_id: 'eva',
        opened_at: '2026-03-02T08:01:00.000Z',
      });
    });
  });

  describe('first responses', () => {
    it('measures a first reply given while the clock stands still at the moment it stopped', async () => {
      // High in IT: first response due 08:30. On hold awaiting the requester from 08:10, the desk replies at 09:00.
      const history = desk().open('a', 'eva', 'it', { priority: 'high' }).work('a');
      history.advance(10).request('a', hold('awaiting_requester'));
      history.advance(50).request('a', reply('meanwhile'));
      await project(store, history.events);
      expect(await row('a')).toMatchObject({
        first_responded_at: '2026-03-02T09:00:00.000Z',
        first_response_within_target: 1,
        first_response_elapsed_minutes: 60,
        // The clock ran 08:00–08:10 only: the SLA's measure, like the resolution's, excludes the pause.
        first_response_business_minutes: 10,
      });
    });

    it('keeps a first response target reached as it was, its risk time included, when the clock later stands still', async () => {
      // High in IT: first response due 08:30, at risk 08:23; answered at 08:10.
      const history = desk().open('a', 'eva', 'it', { priority: 'high' }).work('a');
      history.advance(10).request('a', reply('first'));
      history.advance(10).request('a', hold('awaiting_requester'));
      history.advance(60).request('a', resume);
      await project(store, history.events);
      expect(await row('a')).toMatchObject({
        paused_minutes: 60,
        first_response_due_at: '2026-03-02T08:30:00.000Z',
        first_response_at_risk_at: '2026-03-02T08:23:00.000Z',
        resolution_due_at: '2026-03-02T13:00:00.000Z',
        resolution_at_risk_at: '2026-03-02T12:00:00.000Z',
      });
    });

    it('keeps the first response target and outcome through a later priority change', async () => {
      // Medium: first response due 09:00, answered 08:10 in time; critical at 08:20 re-targets the resolution only.
      const history = desk().open('p', 'eva', 'it').advance(10).request('p', reply('first'));
      history.advance(10).request('p', reprioritize('critical'));
      await project(store, history.events);
      expect(await row('p')).toMatchObject({
        priority: 'critical',
        first_response_minutes: 60,
        first_response_due_at: '2026-03-02T09:00:00.000Z',
        first_response_at_risk_at: '2026-03-02T08:45:00.000Z',
        first_response_within_target: 1,
        resolution_minutes: 120,
        resolution_due_at: '2026-03-02T10:00:00.000Z',
        resolution_at_risk_at: '2026-03-02T09:30:00.000Z',
        next_due_at: '2026-03-02T10:00:00.000Z',
      });
    });
  });

  describe('times that are not on whole minutes', () => {
    it('applies them on every store, with whole minutes in the figures', async () => {
      // Opened 08:00:20, answered 08:10:00 (9 min 40 s), resolved 09:00:00 (59 min 40 s): every minute counts, nothing paused.
      const history = desk().at('2026-03-02T08:00:20.000Z').open('a', 'eva', 'it', { priority: 'high' }).work('a');
      history.at('2026-03-02T08:10:00.000Z').request('a', reply('first'));
      history.at('2026-03-02T09:00:00.000Z').resolve('a');
      await project(store, history.events);
      expect(await row('a')).toMatchObject({
        first_response_due_at: '2026-03-02T08:30:20.000Z',
        first_response_elapsed_minutes: 10,
        first_response_business_minutes: 10,
        resolution_elapsed_minutes: 60,
        resolution_business_minutes: 60,
      });
    });

    it('applies a hold of 9 minutes 40 seconds, moving the due and risk times by exactly that', async () => {
      const history = desk().open('a', 'eva', 'it', { priority: 'high' }).work('a');
      history.at('2026-03-02T08:10:20.000Z').request('a', hold('awaiting_requester'));
      history.at('2026-03-02T08:20:00.000Z').request('a', resume);
      history.at('2026-03-02T09:00:00.000Z').resolve('a');
      await project(store, history.events);
      expect(await row('a')).toMatchObject({
        first_response_due_at: '2026-03-02T08:39:40.000Z',
        first_response_at_risk_at: '2026-03-02T08:32:40.000Z',
        resolution_due_at: '2026-03-02T12:09:40.000Z',
        resolution_at_risk_at: '2026-03-02T11:09:40.000Z',
        resolution_elapsed_minutes: 60,
        // 60 minutes less 9 min 40 s, in whole minutes.
        resolution_business_minutes: 50,
      });
    });
  });

  describe('replays', () => {
    /** A history touching every request event type, in three departments. */
    function everything(): DeskHistory {
      const history = desk()
        .open('a', 'eva', 'it', { priority: 'high' })
        .open('x', 'omar', 'shop', { priority: 'high' })
        .open('t', 'rita', 'it')
        .link('t', 'x');
      history.advance(5).work('a').request('a', escalate).request('a', hold('awaiting_requester'));
      history.request('x', { type: 'OfferCompensation', data: { compensationId: 'k', kind: 'credit', amount: 10, currency: 'EUR' } });
      history.request('x', reply('n', 'internal')).request('t', transfer('hr'));
      history.advance(30).request('a', resume).request('a', reply('first')).request('a', reprioritize('critical'));
      history.advance(60).request('x', breach('first_response'), SYSTEM).resolve('a');
      history.request('a', rate(1), requester('eva')).request('fu', followUp('fu', 'a', 'eva', 'it'), SYSTEM);
      history.advance(10).request('a', reopen, requester('eva')).resolve('a').request('a', close, requester('eva'));
      history.request('t', cancel, requester('rita'));
      return history;
    }

    it('builds the same rows in batches of one, of three and all at once; applying events again changes nothing', async () => {
      const history = everything();
      await project(store, history.events, { batchSize: 1 });
      const once = await dumpReadModels(store);
      expect((once.request_summaries as RequestSummaryRow[]).map((r) => [r.request_id, r.status, r.revision])).toEqual([
        ['a', 'closed', 13],
        ['fu', 'new', 0],
        ['t', 'cancelled', 2],
        ['x', 'new', 3],
      ]);
      await project(store, history.events);
      await project(store, history.events, { batchSize: 3 });
      // A tail replayed after a crash, and an old stretch applied again.
      await project(store, history.since(history.events.length - 5));
      await project(store, history.events.slice(3, 20), { batchSize: 2 });
      expect(await dumpReadModels(store)).toEqual(once);

      const other = await open();
      try {
        await project(other, history.events, { batchSize: 3 });
        expect(await dumpReadModels(other)).toEqual(once);
      } finally {
        await other.close();
      }
    });

    it('resumes from a checkpoint in the middle of a history to the same rows as a build from zero', async () => {
      const history = everything();
      const half = Math.floor(history.events.length / 2);
      await project(store, history.events.slice(0, half));
      await project(store, history.events.slice(half - 4));
      const resumed = await dumpReadModels(store);
      const other = await open();
      try {
        await project(other, history.events);
        expect(await dumpReadModels(other)).toEqual(resumed);
      } finally {
        await other.close();
      }
    });
  });
});
