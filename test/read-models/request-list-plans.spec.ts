import {
  allProjections,
  openSqlite,
  prepareProjection,
  requestListOrder,
  type ReadModelStore,
  type RequestListFilter,
} from '@desk/read-models';

/**
 * The request list's common shapes read an index in the list's order, so a page costs the same with a thousand
 * requests or a million: on the embedded store (SQLite keeps no statistics here, so the plan is the query's own),
 * no shape sorts what it reads, but a list of departments or statuses, whose branches (one index range each, of at
 * most a page) are merged. PostgreSQL's plans, which depend on its statistics, are in bench/RESULTS.md.
 */
describe('request list query plans (embedded)', () => {
  let store: ReadModelStore;
  beforeAll(async () => {
    store = openSqlite(':memory:');
    for (const projection of allProjections()) await prepareProjection(store, projection, new Date());
  });
  afterAll(async () => {
    await store.close();
  });

  const plan = async (shape: Partial<RequestListFilter>): Promise<string[]> => {
    const compiled = requestListOrder(store.reader, { sort: 'updatedAt', order: 'desc', limit: 50, ...shape }).query.compile();
    const rows = (await store.reader.executeQuery({ ...compiled, sql: `explain query plan ${compiled.sql}` })).rows as { detail: string }[];
    return rows.map((row) => row.detail);
  };
  const cursor = Buffer.from(JSON.stringify(['updatedAt', 'desc', '2026-03-02T08:00:00.000Z', 'r-9'])).toString('base64url');

  it.each([
    ['no filter', {}, 'SCAN r USING COVERING INDEX request_summaries_updated'],
    ['a page after a cursor', { cursor }, 'SEARCH r USING COVERING INDEX request_summaries_updated ((last_event_at,request_id)<(?,?))'],
    ['a department', { departmentIds: ['it'] }, 'SEARCH r USING COVERING INDEX request_summaries_department_updated (department_id=?)'],
    ['a requester', { requesterId: 'eva' }, 'SEARCH r USING COVERING INDEX request_summaries_requester_updated (requester_id=?)'],
    [
      'a requester with a status',
      { requesterId: 'eva', statuses: ['new'] },
      'SEARCH r USING INDEX request_summaries_requester_updated (requester_id=?)',
    ],
    ['an assignee', { assigneeId: 'agent-ann' }, 'SEARCH r USING COVERING INDEX request_summaries_assignee_updated (assignee_id=?)'],
    ['the unassigned', { assigneeId: null }, 'SEARCH r USING COVERING INDEX request_summaries_assignee_updated (assignee_id=?)'],
    ['a status', { statuses: ['resolved'] }, 'SEARCH r USING COVERING INDEX request_summaries_status_updated (status=?)'],
    [
      'a department with a status',
      { departmentIds: ['it'], statuses: ['new'] },
      'SEARCH r USING INDEX request_summaries_department_updated (department_id=?)',
    ],
    ['by opening time', { sort: 'openedAt' as const }, 'SCAN r USING COVERING INDEX request_summaries_opened'],
  ] as [string, Partial<RequestListFilter>, string][])('%s: reads one index in order, sorting nothing', async (_, shape, expected) => {
    expect(await plan(shape)).toEqual([expected]);
  });

  it.each([
    ['departments', { departmentIds: ['it', 'hr', 'shop'] }, 'request_summaries_department_updated (department_id=?)'],
    ['open statuses', { statuses: ['new', 'assigned', 'in_progress', 'on_hold'] }, 'request_summaries_status_updated (status=?)'],
  ] as [string, Partial<RequestListFilter>, string][])('a list of %s: one index range a value, merged', async (_, shape, index) => {
    const steps = await plan(shape);
    const values = (shape.departmentIds ?? shape.statuses)!.length;
    expect(steps.filter((step) => step.startsWith('SEARCH r USING'))).toEqual(Array(values).fill(`SEARCH r USING COVERING INDEX ${index}`));
    expect(steps.some((step) => step.startsWith('SCAN r'))).toBe(false);
  });
});
