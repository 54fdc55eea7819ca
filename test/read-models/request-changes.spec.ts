import type { ReadModelStore, RequestChangeRow } from '@desk/read-models';
import { desk, followUp, rate, requester, SYSTEM, transfer } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

/** Given events (made by the real deciders), then the request_changes rows the request-summaries projection wrote. */
describeOnEveryReadModelStore('request-summaries projection: request_changes', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const changes = async (): Promise<(Omit<RequestChangeRow, 'changes'> & { changes: unknown })[]> =>
    (await store.reader.selectFrom('request_changes').selectAll().orderBy('position').orderBy('seq').execute()).map((row) => ({
      ...row,
      changes: JSON.parse(row.changes) as unknown,
    }));

  it('records one row per event that changed a summary, with the fields it changed by their API names, in log order', async () => {
    const history = desk().open('a', 'eva', 'it', { priority: 'high' });
    history.advance(5).assign('a');
    history.advance(5).resolve('a');
    await project(store, history.events);
    const rows = await changes();
    const positionOf = (type: string) => history.events.find((event) => event.type === type)!.position;
    expect(rows.map((row) => [row.position, row.seq, row.request_id, row.event_type, row.revision])).toEqual([
      [String(positionOf('RequestOpened')).padStart(20, '0'), 0, 'a', 'RequestOpened', 0],
      [String(positionOf('RequestAssigned')).padStart(20, '0'), 0, 'a', 'RequestAssigned', 1],
      [String(positionOf('RequestResolved')).padStart(20, '0'), 0, 'a', 'RequestResolved', 2],
    ]);
    const [opened, assigned, resolved] = rows;
    expect(opened).toMatchObject({
      department_id: 'it',
      previous_department_id: null,
      requester_id: 'eva',
      assignee_id: null,
      status: 'new',
      occurred_at: '2026-03-02T08:00:00.000Z',
    });
    // Opening reports every shown field it set, from null.
    expect(opened.changes).toMatchObject({
      departmentId: { from: null, to: 'it' },
      requesterId: { from: null, to: 'eva' },
      status: { from: null, to: 'new' },
      priority: { from: null, to: 'high' },
      exposedToExternal: { from: null, to: false },
      firstResponseDueAt: { from: null, to: '2026-03-02T08:30:00.000Z' },
      reopenCount: { from: null, to: 0 },
    });
    // A field still null after opening did not change.
    expect(opened.changes).not.toHaveProperty('assigneeId');
    expect(assigned).toMatchObject({ assignee_id: 'agent-ann', previous_assignee_id: null, status: 'assigned' });
    expect(assigned.changes).toEqual({ status: { from: 'new', to: 'assigned' }, assigneeId: { from: null, to: 'agent-ann' } });
    expect(resolved.changes).toEqual({
      status: { from: 'assigned', to: 'resolved' },
      resolvedAt: { from: null, to: '2026-03-02T08:10:00.000Z' },
    });
  });

  it('names the department and the assignee a change moved the request away from', async () => {
    const history = desk().open('a', 'eva', 'it');
    history.assign('a').assign('a', 'agent-bob');
    history.request('a', transfer('hr'));
    await project(store, history.events);
    const rows = await changes();
    expect(
      rows.map((row) => [row.event_type, row.assignee_id, row.previous_assignee_id, row.department_id, row.previous_department_id]),
    ).toEqual([
      ['RequestOpened', null, null, 'it', null],
      ['RequestAssigned', 'agent-ann', null, 'it', null],
      ['RequestAssigned', 'agent-bob', 'agent-ann', 'it', null],
      ['RequestTransferred', null, 'agent-bob', 'hr', 'it'],
    ]);
    expect(rows[3].changes).toMatchObject({ departmentId: { from: 'it', to: 'hr' }, transferCount: { from: 0, to: 1 } });
  });

  it('records both summaries a follow-up changes, the follow-up first (seq 0) and the request it follows up second (seq 1)', async () => {
    const history = desk().open('a', 'eva', 'it');
    history
      .assign('a')
      .resolve('a')
      .request('a', rate(1), requester('eva'))
      .request('fu', followUp('fu', 'a', 'eva', 'it'), SYSTEM);
    await project(store, history.events);
    const rows = await changes();
    const last = rows.slice(-2);
    expect(last.map((row) => [row.seq, row.request_id, row.event_type])).toEqual([
      [0, 'fu', 'RequestOpened'],
      [1, 'a', 'RequestOpened'],
    ]);
    expect(last[0].position).toBe(last[1].position);
    expect(last[1].changes).toEqual({ followUpRequestId: { from: null, to: 'fu' } });
  });

  it('applied twice changes nothing: the same events again record no further change', async () => {
    const history = desk().open('a', 'eva', 'it').open('b', 'olga', 'shop');
    history.assign('a').request('a', transfer('hr')).assign('b').resolve('b');
    history.request('b', rate(1), requester('olga')).request('fu', followUp('fu', 'b', 'olga', 'shop'), SYSTEM);
    await project(store, history.events);
    const once = await changes();
    await project(store, history.events);
    await project(store, history.events, { batchSize: 1 });
    expect(await changes()).toEqual(once);
  });

  it('records the same rows whatever the batches the events come in', async () => {
    const history = desk().open('a', 'eva', 'it').open('b', 'olga', 'shop');
    history.assign('a').assign('b').resolve('a').request('b', transfer('it')).assign('b').resolve('b');
    await project(store, history.events, { batchSize: 1000 });
    const whole = await changes();
    const other = await open();
    try {
      await project(other, history.events, { batchSize: 1 });
      const one = (await other.reader.selectFrom('request_changes').selectAll().orderBy('position').orderBy('seq').execute()).map(
        (row) => ({ ...row, changes: JSON.parse(row.changes) as unknown }),
      );
      expect(one).toEqual(whole);
    } finally {
      await other.close();
    }
  });

  it('orders positions as numbers: zero-padded text sorts 9 before 10 and 99 before 100 on both stores', async () => {
    // Enough requests for positions of two and three digits.
    const history = desk();
    for (let i = 0; i < 60; i++) history.open(`r${i}`, 'eva', 'it').assign(`r${i}`);
    await project(store, history.events);
    const positions = (await changes()).map((row) => BigInt(row.position));
    expect(positions.length).toBe(120);
    expect(positions.some((p) => p < 100n) && positions.some((p) => p >= 100n)).toBe(true);
    expect([...positions].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(positions);
  });
});
