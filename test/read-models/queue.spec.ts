import { departmentQueue, InvalidCursorError, type QueueFilter, type ReadModelStore } from '@desk/read-models';
import type { DeskHistory } from '@desk/read-models/testing/desk-history';
import { desk } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

/**
 * IT's queue on Monday morning (every minute counts in IT):
 * q3 critical (first response due 08:20), q1 high (08:30), q5 medium but
 * blocking an external customer's high request (effective high; 09:10),
 * q2 medium (09:00), q6 medium in progress with Bob (09:15), q4 low (12:10);
 * q7 is resolved and out of the queue.
 */
function itMonday(): DeskHistory {
  return desk()
    .open('q1', 'eva', 'it', { priority: 'high' })
    .open('q2', 'eva', 'it', { priority: 'medium' })
    .advance(5)
    .open('q3', 'eva', 'it', { priority: 'critical' })
    .advance(5)
    .open('q4', 'eva', 'it', { priority: 'low' })
    .open('q5', 'rita', 'it', { priority: 'medium' })
    .open('x1', 'olga', 'shop', { priority: 'high' })
    .link('q5', 'x1')
    .advance(5)
    .open('q6', 'eva', 'it', { priority: 'medium' })
    .work('q6', 'agent-bob')
    .open('q7', 'eva', 'it', { priority: 'critical' })
    .work('q7')
    .resolve('q7');
}

const at = (time: string) => new Date(`2026-03-02T${time}:00.000Z`);

describeOnEveryReadModelStore('queue query', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const ids = async (filter: Partial<QueueFilter> = {}, department = 'it', now = at('08:15')) =>
    (await departmentQueue(store.reader, department, { limit: 50, ...filter }, now)).items.map((item) => item.requestId);

  it('orders open requests by effective priority, then due time', async () => {
    await project(store, itMonday().events);
    expect(await ids()).toEqual(['q3', 'q1', 'q5', 'q2', 'q6', 'q4']);
    const page = await departmentQueue(store.reader, 'it', { limit: 50 }, at('08:15'));
    expect(page.items.find((item) => item.requestId === 'q5')).toMatchObject({
      priority: 'medium',
      effectivePriority: 'high',
      exposedToExternal: true,
      blocksExternalRequests: 1,
      blocksExternalCustomers: 1,
      // x1: 08:10Z is 09:10 in Brussels; 240 business minutes end at 13:10 local.
      inheritedDeadline: '2026-03-02T12:10:00.000Z',
      firstResponseDueAt: '2026-03-02T09:10:00.000Z',
      dueAt: '2026-03-02T09:10:00.000Z',
    });
    expect(page.items.find((item) => item.requestId === 'q6')).toMatchObject({
      status: 'in_progress',
      assigneeId: 'agent-bob',
      tier: 'L1',
    });
    expect(page.asOf).toBe('2026-03-02T08:15:00.000Z');
  });

  it('shows what blocks a request, in the queue of its own department', async () => {
    await project(store, itMonday().events);
    const shop = await departmentQueue(store.reader, 'shop', { limit: 50 }, at('08:15'));
    expect(shop.items).toEqual([
      expect.objectContaining({
        requestId: 'x1',
        audience: 'external',
        requesterKind: 'individual',
        blockedBy: [{ requestId: 'q5', relation: 'blocks', status: 'new', departmentId: 'it', subject: 'subject of q5' }],
      }),
    ]);
  });

  it.each([
    [{ statuses: ['in_progress'] }, ['q6']],
    [{ statuses: ['new', 'on_hold'] }, ['q3', 'q1', 'q5', 'q2', 'q4']],
    [{ assigneeId: 'agent-bob' }, ['q6']],
    [{ assigneeId: null }, ['q3', 'q1', 'q5', 'q2', 'q4']],
    [{ audiences: ['external'] }, []],
    [{ audiences: ['internal'], priorities: ['medium'] }, ['q5', 'q2', 'q6']],
    [{ effectivePriorities: ['high'] }, ['q1', 'q5']],
    [{ priorities: ['critical', 'low'] }, ['q3', 'q4']],
  ] as [Partial<QueueFilter>, string[]][])('filters by %j', async (filter, expected) => {
    await project(store, itMonday().events);
    expect(await ids(filter)).toEqual(expected);
  });

  it('pages with cursors that never skip nor repeat, under a filter too', async () => {
    await project(store, itMonday().events);
    const seen: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await departmentQueue(store.reader, 'it', { limit: 2, cursor }, at('08:15'));
      seen.push(page.items.map((item) => item.requestId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([
      ['q3', 'q1'],
      ['q5', 'q2'],
      ['q6', 'q4'],
    ]);
    const first = await departmentQueue(store.reader, 'it', { limit: 1, priorities: ['medium'] }, at('08:15'));
    const second = await departmentQueue(store.reader, 'it', { limit: 5, priorities: ['medium'], cursor: first.nextCursor! }, at('08:15'));
    expect([...first.items, ...second.items].map((item) => item.requestId)).toEqual(['q5', 'q2', 'q6']);
    expect(second.nextCursor).toBeNull();
    await expect(departmentQueue(store.reader, 'it', { limit: 2, cursor: 'bm9wZQ' }, at('08:15'))).rejects.toThrow(InvalidCursorError);
  });

  it('computes the SLA state against the time asked: ok, at risk past 75%, breached past due', async () => {
    await project(store, itMonday().events);
    const states = async (time: string) =>
      Object.fromEntries(
        (await departmentQueue(store.reader, 'it', { limit: 50 }, at(time))).items.map((item) => [item.requestId, item.sla.state]),
      );
    expect(await states('08:15')).toMatchObject({ q3: 'ok', q1: 'ok' });
    // q3 (critical, 15 minutes from 08:05) is at risk from 08:17; q1 (high, 30 minutes from 08:00) from 08:23.
    expect(await states('08:17')).toMatchObject({ q3: 'at_risk', q1: 'ok' });
    expect(await states('08:23')).toMatchObject({ q3: 'breached', q1: 'at_risk' });
    expect(await states('08:31')).toMatchObject({ q3: 'breached', q1: 'breached', q2: 'ok' });
    const q1 = (await departmentQueue(store.reader, 'it', { limit: 50 }, at('08:31'))).items.find((item) => item.requestId === 'q1')!;
    expect(q1.sla).toEqual({
      state: 'breached',
      firstResponse: { dueAt: '2026-03-02T08:30:00.000Z', atRiskAt: '2026-03-02T08:23:00.000Z', state: 'breached' },
      resolution: { dueAt: '2026-03-02T12:00:00.000Z', atRiskAt: '2026-03-02T11:00:00.000Z', state: 'ok' },
      clockPausedSince: null,
    });
  });

  it('freezes the SLA state while the clock is stopped, awaiting the requester', async () => {
    const history = itMonday();
    history
      .at('2026-03-02T08:20:00.000Z')
      .assign('q2')
      .request('q2', { type: 'PutOnHold', data: { reason: 'awaiting_requester' } });
    await project(store, history.events);
    const q2 = (await departmentQueue(store.reader, 'it', { limit: 50 }, at('10:00'))).items.find((item) => item.requestId === 'q2')!;
    expect(q2).toMatchObject({ status: 'on_hold', sla: { state: 'ok', clockPausedSince: '2026-03-02T08:20:00.000Z' } });
  });

  it('moves a transferred request to the other department’s queue, and drops closed and cancelled ones', async () => {
    const history = itMonday()
      .request('q4', { type: 'TransferRequest', data: { toDepartmentId: 'hr', reason: 'a contract question' } })
      .request('q2', { type: 'CancelRequest', data: { reason: 'solved itself' } }, { id: 'eva', role: 'requester' });
    await project(store, history.events);
    expect(await ids()).toEqual(['q3', 'q1', 'q5', 'q6']);
    expect(await ids({}, 'hr')).toEqual(['q4']);
  });
});
