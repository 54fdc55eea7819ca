import type { ReadModelStore, RequestSummaryRow } from '@desk/read-models';
import { SYSTEM } from '@desk/read-models/testing/desk-history';
import { BRUSSELS_OFFICE, desk } from './scenario-desk';
import { describeOnEveryReadModelStore, dumpReadModels, project } from './support/read-model-backends';

const requester = (id: string) => ({ id, role: 'requester' as const });

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

  it('records departments and the calendars of their standards', async () => {
    await project(store, desk().events);
    expect(await store.reader.selectFrom('departments').select(['department_id', 'name']).orderBy('department_id').execute()).toEqual([
      { department_id: 'hr', name: 'HR' },
      { department_id: 'it', name: 'IT' },
      { department_id: 'shop', name: 'Shop' },
    ]);
    const calendars = await store.reader.selectFrom('sla_calendars').selectAll().orderBy('department_id').execute();
    expect(calendars.map((c) => [c.department_id, c.standard_version, c.calendar && JSON.parse(c.calendar)])).toEqual([
      ['it', 1, null],
      ['shop', 1, BRUSSELS_OFFICE],
    ]);
  });

  it('opens a row with the SLA of the standard: due times, the 75% risk times and the next due time', async () => {
    const history = desk().open('a', 'eva', 'it', { priority: 'high', category: 'network', channel: 'phone' });
    await project(store, history.events);
    expect(await row('a')).toMatchObject({
      department_id: 'it',
      requester_id: 'eva',
      audience: 'internal',
      requester_kind: 'employee',
      exposed_to_external: 0,
      category: 'network',
      channel: 'phone',
      status: 'new',
      is_open: 1,
      priority: 'high',
      priority_rank: 1,
      tier: 'L1',
      assignee_id: null,
      opened_at: '2026-03-02T08:00:00.000Z',
      opened_day: '2026-03-02',
      sla_department_id: 'it',
      sla_standard_version: 1,
      first_response_due_at: '2026-03-02T08:30:00.000Z',
      first_response_at_risk_at: '2026-03-02T08:23:00.000Z',
      resolution_due_at: '2026-03-02T12:00:00.000Z',
      resolution_at_risk_at: '2026-03-02T11:00:00.000Z',
      next_due_at: '2026-03-02T08:30:00.000Z',
      revision: 0,
    });
  });

  it('counts due and risk times in business hours, and days in the calendar’s time zone', async () => {
    // Monday 15:00Z is 16:00 in Brussels: one working hour left that day.
    const history = desk().at('2026-03-02T15:00:00.000Z').open('c', 'omar', 'shop', { priority: 'medium' });
    await project(store, history.events);
    expect(await row('c')).toMatchObject({
      audience: 'external',
      requester_kind: 'individual',
      // 120 business minutes: 60 on Monday, 60 on Tuesday from 09:00 local.
      first_response_due_at: '2026-03-03T09:00:00.000Z',
      // 90 minutes: 60 on Monday, 30 on Tuesday.
      first_response_at_risk_at: '2026-03-03T08:30:00.000Z',
      opened_day: '2026-03-02',
    });
    const late = desk().at('2026-03-02T23:30:00.000Z').open('late', 'omar', 'shop', { priority: 'medium' });
    await project(store, late.since(late.events.length - 1));
    // 23:30Z on Monday is 00:30 on Tuesday in Brussels.
    expect((await row('late')).opened_day).toBe('2026-03-03');
  });

  it('follows assignment, work, a hold that stops the clock, resumption with moved due times, the first response and resolution', async () => {
    const history = desk().open('a', 'eva', 'it', { priority: 'high' }).advance(5).assign('a');
    await project(store, history.events);
    expect(await row('a')).toMatchObject({ status: 'assigned', assignee_id: 'agent-ann', revision: 1 });

    let mark = history.events.length;
    history.request('a', { type: 'StartWork', data: {} }).advance(5);
    history.request('a', { type: 'PutOnHold', data: { reason: 'awaiting_requester' } });
    await project(store, history.since(mark));
    expect(await row('a')).toMatchObject({ status: 'on_hold', clock_stopped_since: '2026-03-02T08:10:00.000Z', is_open: 1 });

    mark = history.events.length;
    history.advance(60).request('a', { type: 'ResumeWork', data: {} });
    await project(store, history.since(mark));
    expect(await row('a')).toMatchObject({
      status: 'in_progress',
      clock_stopped_since: null,
      paused_minutes: 60,
      first_response_due_at: '2026-03-02T09:30:00.000Z',
      first_response_at_risk_at: '2026-03-02T09:23:00.000Z',
      resolution_due_at: '2026-03-02T13:00:00.000Z',
      resolution_at_risk_at: '2026-03-02T12:00:00.000Z',
    });

    mark = history.events.length;
    history.advance(10).request('a', { type: 'AddComment', data: { commentId: 'c1', body: 'Looking into it', visibility: 'public' } });
    await project(store, history.since(mark));
    expect(await row('a')).toMatchObject({
      first_responded_at: '2026-03-02T09:20:00.000Z',
      first_response_within_target: 1,
      first_response_elapsed_minutes: 80,
      first_response_business_minutes: 20,
      next_due_at: '2026-03-02T13:00:00.000Z',
    });

    mark = history.events.length;
    history.advance(40).resolve('a');
    await project(store, history.since(mark));
    expect(await row('a')).toMatchObject({
      status: 'resolved',
      is_open: 0,
      resolved_at: '2026-03-02T10:00:00.000Z',
      resolved_day: '2026-03-02',
      resolution_elapsed_minutes: 120,
      resolution_business_minutes: 60,
      resolution_within_target: 1,
      clock_stopped_since: '2026-03-02T10:00:00.000Z',
      next_due_at: null,
    });
  });

  it('keeps the clock running on a hold awaiting a third party', async () => {
    const history = desk().open('a', 'eva', 'it').work('a');
    history.request('a', { type: 'PutOnHold', data: { reason: 'awaiting_third_party' } });
    await project(store, history.events);
    expect(await row('a')).toMatchObject({ status: 'on_hold', clock_stopped_since: null });
  });

  it('reopens with the time spent resolved excluded, and closes', async () => {
    const history = desk().open('g', 'eva', 'it', { priority: 'high' }).work('g').advance(60).resolve('g');
    history.advance(30).request('g', { type: 'ReopenRequest', data: { reason: 'not fixed' } }, requester('eva'));
    await project(store, history.events);
    expect(await row('g')).toMatchObject({
      status: 'in_progress',
      is_open: 1,
      reopen_count: 1,
      resolved_at: null,
      resolved_day: null,
      resolution_within_target: null,
      paused_minutes: 30,
      resolution_due_at: '2026-03-02T12:30:00.000Z',
    });
    const mark = history.events.length;
    history.advance(30).resolve('g').advance(5).request('g', { type: 'CloseRequest', data: {} }, requester('eva'));
    await project(store, history.since(mark));
    expect(await row('g')).toMatchObject({
      status: 'closed',
      is_open: 0,
      closed_at: '2026-03-02T10:05:00.000Z',
      resolved_at: '2026-03-02T10:00:00.000Z',
      resolution_business_minutes: 90,
      resolution_elapsed_minutes: 120,
    });
  });

  it('cancels, transfers, escalates and re-targets on a priority change', async () => {
    const history = desk()
      .open('f', 'eva', 'it')
      .request('f', { type: 'CancelRequest', data: { reason: 'duplicate' } }, requester('eva'))
      .open('d', 'rita', 'it')
      .assign('d')
      .request('d', { type: 'TransferRequest', data: { toDepartmentId: 'shop', reason: 'a till problem' } })
      .open('e', 'eva', 'it', { priority: 'low' })
      .request('e', { type: 'EscalateRequest', data: { reason: 'needs a specialist' } })
      .advance(10)
      .request('e', { type: 'ChangePriority', data: { priority: 'high', reason: 'whole floor affected' } });
    await project(store, history.events);
    expect(await row('f')).toMatchObject({ status: 'cancelled', is_open: 0, cancelled_at: '2026-03-02T08:00:00.000Z', next_due_at: null });
    expect(await row('d')).toMatchObject({
      department_id: 'shop',
      status: 'new',
      assignee_id: null,
      transfer_count: 1,
      exposed_to_external: 1,
      // The promise to the requester stays: IT's standard, IT's due times.
      sla_department_id: 'it',
      first_response_due_at: '2026-03-02T09:00:00.000Z',
    });
    expect(await row('e')).toMatchObject({
      tier: 'L2',
      priority: 'high',
      priority_rank: 1,
      first_response_minutes: 30,
      resolution_minutes: 240,
      first_response_due_at: '2026-03-02T08:30:00.000Z',
      resolution_due_at: '2026-03-02T12:00:00.000Z',
      first_response_at_risk_at: '2026-03-02T08:23:00.000Z',
    });
  });

  it('records ratings, recorded breaches and a late first response', async () => {
    const history = desk().open('h', 'eva', 'it', { priority: 'high' }).advance(31);
    history.request('h', { type: 'RecordSlaBreach', data: { target: 'first_response' } }, SYSTEM);
    history.advance(10).request('h', { type: 'AddComment', data: { commentId: 'c', body: 'sorry', visibility: 'public' } });
    history
      .work('h')
      .resolve('h')
      .request('h', { type: 'RateSatisfaction', data: { score: 2, comment: 'slow' } }, requester('eva'));
    await project(store, history.events);
    expect(await row('h')).toMatchObject({
      first_response_breached: 1,
      resolution_breached: 0,
      first_response_within_target: 0,
      satisfaction_score: 2,
      satisfaction_comment: 'slow',
      rated_at: '2026-03-02T08:41:00.000Z',
    });
  });

  it('links a follow-up request to the rating it follows up', async () => {
    const history = desk()
      .open('r', 'eva', 'it')
      .work('r')
      .resolve('r')
      .request('r', { type: 'RateSatisfaction', data: { score: 1 } }, requester('eva'))
      .request(
        'fu',
        {
          type: 'OpenRequest',
          data: {
            requestId: 'fu',
            requesterId: 'eva',
            departmentId: 'it',
            subject: 'follow up',
            description: '',
            priority: 'high',
            followUpOf: 'r',
          },
        },
        SYSTEM,
      );
    await project(store, history.events);
    expect(await row('r')).toMatchObject({ follow_up_request_id: 'fu', satisfaction_score: 1 });
    expect(await row('fu')).toMatchObject({ follow_up_of: 'r', status: 'new' });
  });

  it('ignores comments and compensations, and changes nothing when events are applied again, one by one or all at once', async () => {
    const history = desk()
      .open('a', 'olga', 'shop', { priority: 'high' })
      .request('a', { type: 'AddComment', data: { commentId: 'n', body: 'internal note', visibility: 'internal' } })
      .request('a', { type: 'OfferCompensation', data: { compensationId: 'k', kind: 'credit', amount: 10, currency: 'EUR' } })
      .work('a')
      .resolve('a');
    await project(store, history.events, { batchSize: 1 });
    const once = await dumpReadModels(store);
    expect(once.request_summaries).toEqual([expect.objectContaining({ request_id: 'a', first_responded_at: null, status: 'resolved' })]);
    await project(store, history.events);
    await project(store, history.events, { batchSize: 3 });
    expect(await dumpReadModels(store)).toEqual(once);
  });
});
