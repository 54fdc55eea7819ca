import { REQUESTER_REQUEST_FIELDS } from '@desk/read-models';
import { analyst, agent, operator, requester, TestDesk } from './support/test-desk';
import { openRequest, seedOrganisation } from './support/org';
import { describeOnEveryDeskStore } from './support/desk-stores';

/** GET /requests over HTTP: roles, "my requests", read-your-writes, the past, and a 400 naming the field for every bad input. */
describeOnEveryDeskStore('GET /requests', (stores) => {
  let desk: TestDesk;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const made = await stores();
    cleanup = () => made.cleanup();
    desk = await TestDesk.start({ store: made.store, readModels: made.readModels });
    await seedOrganisation(desk);
  });
  afterEach(async () => {
    await desk.stop();
    await cleanup();
  });

  const ids = (body: { items: { requestId: string }[] }) => body.items.map((item) => item.requestId);

  it('lists requests the moment a command answered them (minPosition), and cancelled ones too', async () => {
    await openRequest(desk, 'r-1');
    desk.clock.advanceMinutes(1);
    await openRequest(desk, 'r-2', { requesterId: 'bob', departmentId: 'front-desk' });
    desk.clock.advanceMinutes(1);
    const { position } = await desk.expect(200, 'POST', '/requests/r-1/cancel', { as: agent(), body: { reason: 'opened twice' } });
    const body = await desk.expect(200, 'GET', `/requests?minPosition=${position}`, { as: agent() });
    expect(ids(body)).toEqual(['r-1', 'r-2']);
    expect(body.items[0]).toMatchObject({
      status: 'cancelled',
      departmentId: 'it',
      departmentName: 'IT',
      updatedAt: '2026-03-02T09:02:00.000Z',
    });
    expect(body).toMatchObject({ sort: 'updatedAt', order: 'desc', nextCursor: null });
    const viaHeader = await desk.expect(200, 'GET', '/requests?status=cancelled,closed', {
      as: analyst,
      headers: { 'x-min-position': position },
    });
    expect(ids(viaHeader)).toEqual(['r-1']);
  });

  it('gives a requester their own requests only, whatever requesterId they send', async () => {
    await openRequest(desk, 'mine', { requesterId: 'anna' });
    const { position } = await openRequest(desk, 'theirs', { requesterId: 'carl' });
    const own = await desk.expect(200, 'GET', `/requests?minPosition=${position}`, { as: requester('anna') });
    expect(ids(own)).toEqual(['mine']);
    // Only what the requester view allows (requester-view.ts): no tier, audience, SLA measurements or blockers.
    expect(Object.keys(own.items[0]).every((field) => (REQUESTER_REQUEST_FIELDS as readonly string[]).includes(field))).toBe(true);
    expect(own.items[0]).toMatchObject({ requestId: 'mine', departmentName: 'IT', status: 'new' });
    expect(own.items[0]).not.toHaveProperty('tier');
    const asked = await desk.expect(200, 'GET', `/requests?requesterId=carl&minPosition=${position}`, { as: requester('anna') });
    expect(ids(asked)).toEqual(['mine']);
    const staff = await desk.expect(200, 'GET', `/requests?requesterId=carl&minPosition=${position}`, { as: operator });
    expect(ids(staff)).toEqual(['theirs']);
  });

  it('pages with a cursor, and refuses a cursor of another sort with a 400 naming it', async () => {
    let position = '';
    for (const id of ['p-1', 'p-2', 'p-3']) {
      ({ position } = await openRequest(desk, id));
      desk.clock.advanceMinutes(1);
    }
    const first = await desk.expect(200, 'GET', `/requests?limit=2&minPosition=${position}`, { as: agent() });
    expect(ids(first)).toEqual(['p-3', 'p-2']);
    const second = await desk.expect(200, 'GET', `/requests?limit=2&cursor=${first.nextCursor}`, { as: agent() });
    expect(ids(second)).toEqual(['p-1']);
    expect(second.nextCursor).toBeNull();
    const other = await desk.call('GET', `/requests?limit=2&sort=openedAt&cursor=${first.nextCursor}`, { as: agent() });
    expect(other.status).toBe(400);
    expect(other.body.errors).toEqual([{ field: 'cursor', message: 'is not a cursor of this list' }]);
  });

  it.each([
    ['status=open', 'status'],
    ['departmentId=it,,x', 'departmentId'],
    ['assigneeId=a%20b', 'assigneeId'],
    ['requesterId=%00', 'requesterId'],
    ['audience=everyone', 'audience'],
    ['priority=urgent', 'priority'],
    ['category=a%0Ab', 'category'],
    ['updatedAfter=yesterday', 'updatedAfter'],
    ['updatedBefore=2026-02-30', 'updatedBefore'],
    ['sort=subject', 'sort'],
    ['order=up', 'order'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=1.5', 'limit'],
    ['cursor=%2F%2F', 'cursor'],
    ['asOf=2026-03-02T09:00:00Z&q=printer', 'asOf'],
    ['asOf=2026-02-30T09:00:00Z', 'asOf'],
  ])('answers %s with a 400 naming %s', async (parameters, field) => {
    const answer = await desk.call('GET', `/requests?${parameters}`, { as: agent() });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
  });

  it('lists requests as they stood at a time, with what changed since left out, and a requester their own then', async () => {
    await openRequest(desk, 'early', { requesterId: 'anna' });
    desk.clock.advanceMinutes(10); // 09:10
    await openRequest(desk, 'later', { requesterId: 'anna' });
    desk.clock.advanceMinutes(10); // 09:20
    const { position } = await desk.expect(200, 'POST', '/requests/early/cancel', { as: agent(), body: { reason: 'opened twice' } });
    const then = await desk.expect(200, 'GET', `/requests?asOf=2026-03-02T09:05:00Z&minPosition=${position}`, { as: analyst });
    expect(then.asOf).toBe('2026-03-02T09:05:00.000Z');
    expect(then.items.map((item: { requestId: string; status: string }) => [item.requestId, item.status])).toEqual([['early', 'new']]);
    const cancelledThen = await desk.expect(200, 'GET', '/requests?asOf=2026-03-02T09:15:00Z&status=cancelled', { as: agent() });
    expect(ids(cancelledThen)).toEqual([]);
    const own = await desk.expect(200, 'GET', '/requests?asOf=2026-03-02T09:15:00Z', { as: requester('anna') });
    expect(ids(own)).toEqual(['later', 'early']);
    expect(ids(await desk.expect(200, 'GET', '/requests?asOf=2026-03-02T09:15:00Z', { as: requester('bob') }))).toEqual([]);
  });

  it('asks for a token, and any desk role may list', async () => {
    expect((await desk.call('GET', '/requests', { as: null })).status).toBe(401);
    for (const caller of [agent(), analyst, operator, requester('anna')]) {
      expect((await desk.call('GET', '/requests', { as: caller })).status).toBe(200);
    }
  });
});
