import { openRequest, seedOrganisation } from './support/org';
import { TestDesk, agent, analyst, manager, operator, requester } from './support/test-desk';
import { describeOnEveryDeskStore, type DeskStores } from './support/desk-stores';

/** Agents and the directories over HTTP: who may be assigned what, and the pickers a console and a portal show. */
describeOnEveryDeskStore('agents and directories, over HTTP', (makeStores: () => Promise<DeskStores>) => {
  let desk: TestDesk;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const made = await makeStores();
    cleanup = made.cleanup;
    desk = await TestDesk.start({ store: made.store, readModels: made.readModels });
    await seedOrganisation(desk);
    await desk.expect(201, 'POST', '/departments', { body: { id: 'hr', name: 'Human resources' } });
  });
  afterAll(async () => {
    await desk.stop();
    await cleanup();
  });

  it('registers an agent (201, Location) and reads them back with read-your-writes', async () => {
    const created = await desk.call('POST', '/agents', {
      as: operator,
      body: { id: 'agent-hanna', name: 'Hanna', departmentIds: ['hr'], tier: 'L2' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/agents/agent-hanna');
    const { position } = created.body as { position: string };
    const read = await desk.expect(200, 'GET', `/agents/agent-hanna?minPosition=${position}`, { as: agent() });
    expect(read).toEqual({
      agentId: 'agent-hanna',
      name: 'Hanna',
      tier: 'L2',
      departmentIds: ['hr'],
      registeredAt: expect.any(String),
      updatedAt: read.registeredAt,
    });
    await desk.expect(404, 'GET', '/agents/agent-nobody', { as: agent(), headers: { 'x-min-position': position } });
  });

  it('refuses an unknown department (404), a bad body naming its fields (400), and agents and requesters (403)', async () => {
    const unknown = await desk.call('POST', '/agents', { body: { id: 'agent-x', name: 'X', departmentIds: ['kitchen'], tier: 'L1' } });
    expect(unknown.status).toBe(404);
    expect((unknown.body as { detail: string }).detail).toContain('department kitchen does not exist');
    const bad = await desk.call('POST', '/agents', { body: { id: 'agent x', name: '', departmentIds: [], tier: 'L4' } });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'departmentIds',
      'id',
      'name',
      'tier',
    ]);
    const repeated = await desk.call('POST', '/agents', { body: { id: 'agent-y', name: 'Y', departmentIds: ['it', 'it'], tier: 'L1' } });
    expect(repeated.status).toBe(400);
    expect((repeated.body as { errors: { field: string; message: string }[] }).errors).toEqual([
      expect.objectContaining({ field: 'departmentIds[1]', message: expect.stringContaining('repeats department it') }),
    ]);
    const body = { id: 'agent-z', name: 'Z', departmentIds: ['it'], tier: 'L1' };
    expect((await desk.call('POST', '/agents', { as: agent(), body })).status).toBe(403);
    expect((await desk.call('POST', '/agents', { as: requester('anna'), body })).status).toBe(403);
    expect((await desk.call('POST', '/agents', { body: { ...body, id: 'agent-ann' } })).status).toBe(409);
  });

  it('refuses assigning a request to an agent nobody registered (404) or one outside its department (409)', async () => {
    await openRequest(desk, 'printer');
    const unregistered = await desk.call('POST', '/requests/printer/assign', { as: agent(), body: { agentId: 'agent-ghost' } });
    expect(unregistered.status).toBe(404);
    expect((unregistered.body as { detail: string }).detail).toBe(
      'cannot assign request printer to agent-ghost: no agent is registered with that id',
    );
    const outside = await desk.call('POST', '/requests/printer/assign', { as: manager, body: { agentId: 'agent-hanna' } });
    expect(outside.status).toBe(409);
    expect((outside.body as { detail: string }).detail).toBe(
      'cannot assign request printer to agent agent-hanna: they do not work in department it (they work in hr)',
    );
    await desk.expect(200, 'POST', '/requests/printer/assign', { as: agent(), body: { agentId: agent().sub } });
  });

  it('moves an agent between teams: after the change they may be assigned the new department’s requests, and no longer the old', async () => {
    const changed = await desk.call('PATCH', '/agents/agent-hanna', { body: { departmentIds: ['it'], name: 'Hanna J.' } });
    expect(changed.status).toBe(200);
    await openRequest(desk, 'scanner');
    await desk.expect(200, 'POST', '/requests/scanner/assign', { as: manager, body: { agentId: 'agent-hanna' } });
    const read = await desk.expect(200, 'GET', `/agents/agent-hanna?minPosition=${(changed.body as { position: string }).position}`, {
      as: manager,
    });
    expect(read).toMatchObject({ name: 'Hanna J.', departmentIds: ['it'], tier: 'L2' });
    expect(read.updatedAt >= read.registeredAt).toBe(true);

    expect((await desk.call('PATCH', '/agents/agent-hanna', { body: { tier: 'L2' } })).status).toBe(409);
    expect((await desk.call('PATCH', '/agents/agent-hanna', { body: {} })).status).toBe(400);
    expect((await desk.call('PATCH', '/agents/agent-nobody', { body: { tier: 'L3' } })).status).toBe(404);
    expect((await desk.call('PATCH', '/agents/agent-hanna', { as: agent(), body: { tier: 'L3' } })).status).toBe(403);
  });

  it('lists agents by name, by department and by part of the name, in pages; requesters may not', async () => {
    const { position } = await desk.expect(201, 'POST', '/agents', {
      body: { id: 'agent-ines', name: 'Ines', departmentIds: ['hr'], tier: 'L3' },
    });
    const inHr = await desk.expect(200, 'GET', `/agents?departmentId=hr&minPosition=${position}`, { as: agent() });
    expect(inHr).toEqual({ items: [expect.objectContaining({ agentId: 'agent-ines', departmentIds: ['hr'] })], nextCursor: null });
    const named = await desk.expect(200, 'GET', '/agents?q=HANNA', { as: analyst });
    expect(named.items.map((a: { agentId: string }) => a.agentId)).toEqual(['agent-hanna']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { agentId: string }[]; nextCursor: string | null } = await desk.expect(
        200,
        'GET',
        `/agents?departmentId=it&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        { as: agent() },
      );
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((a) => a.agentId));
      cursor = page.nextCursor;
    } while (cursor);
    // By name, then id: capitals sort first (binary order on SQLite, and on PostgreSQL with the C collation).
    expect(seen).toEqual(['agent-hanna', 'agent-0', 'agent-1', 'agent-2', 'agent-3', 'agent-ann', 'agent-bob']);

    expect((await desk.call('GET', '/agents', { as: requester('anna') })).status).toBe(403);
    expect((await desk.call('GET', '/agents/agent-ann', { as: requester('anna') })).status).toBe(403);
    const badCursor = await desk.call('GET', '/agents?cursor=bm9wZQ', { as: agent() });
    expect(badCursor.status).toBe(400);
    expect((badCursor.body as { errors: { field: string }[] }).errors[0].field).toBe('cursor');
    const badLimit = await desk.call('GET', '/agents?limit=0&departmentId=a%20b', { as: agent() });
    expect(badLimit.status).toBe(400);
    expect((badLimit.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(['departmentId', 'limit']);
    // The directory keeps no history: asOf is not one of its parameters (it once cost a replay of the whole log).
    const asOf = await desk.call('GET', '/agents?asOf=2026-03-02T09:00:00Z', { as: agent() });
    expect(asOf.status).toBe(400);
    expect((asOf.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['asOf']);
  });

  it('lists departments for every role, requesters seeing ids and names only', async () => {
    const staff = await desk.expect(200, 'GET', '/departments', { as: agent() });
    expect(staff.items.map((d: { departmentId: string }) => d.departmentId)).toEqual(['front-desk', 'hr', 'it']);
    expect(staff.items[0]).toEqual({ departmentId: 'front-desk', name: 'Front desk', registeredAt: expect.any(String) });
    const portal = await desk.expect(200, 'GET', '/departments?q=res', { as: requester('anna') });
    expect(portal).toEqual({ items: [{ departmentId: 'hr', name: 'Human resources' }], nextCursor: null });
    const first = await desk.expect(200, 'GET', '/departments?limit=2', { as: requester('bob') });
    const next = await desk.expect(200, 'GET', `/departments?limit=2&cursor=${first.nextCursor}`, { as: requester('bob') });
    expect(next).toEqual({ items: [{ departmentId: 'it', name: 'IT' }], nextCursor: null });
  });

  it('lists customers by name, type, kind and department for staff; requesters may not', async () => {
    const all = await desk.expect(200, 'GET', '/customers', { as: agent() });
    expect(all.items.map((c: { customerId: string }) => c.customerId)).toEqual(['anna', 'bob', 'carl']);
    expect(all.items[0]).toEqual({
      customerId: 'anna',
      name: 'Anna (reception)',
      type: 'internal',
      kind: 'employee',
      departmentId: 'front-desk',
      customerFacing: true,
      registeredAt: expect.any(String),
    });
    const ids = async (query: string) =>
      (await desk.expect(200, 'GET', `/customers?${query}`, { as: manager })).items.map((c: { customerId: string }) => c.customerId);
    expect(await ids('type=external')).toEqual(['bob']);
    expect(await ids('kind=contractor')).toEqual(['carl']);
    expect(await ids('departmentId=it')).toEqual(['carl']);
    expect(await ids('q=dog')).toEqual(['bob']);
    expect((await desk.call('GET', '/customers', { as: requester('anna') })).status).toBe(403);
    const bad = await desk.call('GET', '/customers?type=partner&kind=robot', { as: agent() });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(['kind', 'type']);
  });
});
