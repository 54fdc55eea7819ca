import { DeskHistory } from '@desk/application/testing/desk-history';
import { agentById, listAgents, listCustomers, listDepartments, type ReadModelStore } from '@desk/read-models';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

/** Given events (made by the real deciders), then the directory's tables and what its queries answer. */
describeOnEveryReadModelStore('directory projection', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  /** IT and HR; Eva works in HR, Rita at IT's customer-facing front, Carl is a client; Ann moves from IT to both, Bob renamed. */
  function directoryHistory(): DeskHistory {
    const history = new DeskHistory('2026-03-02T08:00:00.000Z');
    history.department('it', 'IT').department('hr', 'Human resources').department('fin', 'Finance 100%');
    history.internalCustomer('Eva', 'hr').internalCustomer('Rita', 'it', true).externalCustomer('Carl');
    history.agentCommand('agent-ann', {
      type: 'RegisterAgent',
      data: { agentId: 'agent-ann', name: 'Ann', departmentIds: ['it'], tier: 'L1' },
    });
    history.agentCommand('agent-bob', {
      type: 'RegisterAgent',
      data: { agentId: 'agent-bob', name: 'Bob', departmentIds: ['it'], tier: 'L2' },
    });
    history.advance(60).agentCommand('agent-ann', { type: 'ChangeAgent', data: { departmentIds: ['hr', 'it'], tier: 'L2' } });
    history.advance(60).agentCommand('agent-bob', { type: 'ChangeAgent', data: { name: 'Bob Smith', departmentIds: ['fin'] } });
    return history;
  }

  const tables = async () => ({
    customers: await store.reader.selectFrom('customers').selectAll().orderBy('customer_id').execute(),
    agents: await store.reader.selectFrom('agents').selectAll().orderBy('agent_id').execute(),
    agent_departments: await store.reader
      .selectFrom('agent_departments')
      .selectAll()
      .orderBy('agent_id')
      .orderBy('department_id')
      .execute(),
  });

  it('holds every customer and agent as registered and changed since', async () => {
    await project(store, directoryHistory().events);
    expect(await tables()).toEqual({
      customers: [
        {
          customer_id: 'Carl',
          name: 'Carl',
          type: 'external',
          kind: 'individual',
          department_id: null,
          customer_facing: 0,
          registered_at: '2026-03-02T08:00:00.000Z',
        },
        {
          customer_id: 'Eva',
          name: 'Eva',
          type: 'internal',
          kind: 'employee',
          department_id: 'hr',
          customer_facing: 0,
          registered_at: '2026-03-02T08:00:00.000Z',
        },
        {
          customer_id: 'Rita',
          name: 'Rita',
          type: 'internal',
          kind: 'employee',
          department_id: 'it',
          customer_facing: 1,
          registered_at: '2026-03-02T08:00:00.000Z',
        },
      ],
      agents: [
        // Ann's change was one command of two events (departments, tier): revision 2.
        {
          agent_id: 'agent-ann',
          name: 'Ann',
          tier: 'L2',
          registered_at: '2026-03-02T08:00:00.000Z',
          updated_at: '2026-03-02T09:00:00.000Z',
          revision: 2,
        },
        {
          agent_id: 'agent-bob',
          name: 'Bob Smith',
          tier: 'L2',
          registered_at: '2026-03-02T08:00:00.000Z',
          updated_at: '2026-03-02T10:00:00.000Z',
          revision: 2,
        },
      ],
      agent_departments: [
        { agent_id: 'agent-ann', department_id: 'hr' },
        { agent_id: 'agent-ann', department_id: 'it' },
        { agent_id: 'agent-bob', department_id: 'fin' },
      ],
    });
  });

  it('builds the same tables in batches of one as in one batch, and applying twice changes nothing', async () => {
    const { events } = directoryHistory();
    await project(store, events, { batchSize: 1 });
    const once = await tables();
    await project(store, events);
    await project(store, events.slice(3), { batchSize: 2 });
    expect(await tables()).toEqual(once);
  });

  it('lists agents by name with their departments, filtered by department and name, in keyset pages', async () => {
    const history = directoryHistory();
    for (const [id, name] of [
      ['agent-cy', 'Cy'],
      ['agent-di', 'Di'],
      ['agent-ed', 'Ed'],
    ])
      history.agentCommand(id, { type: 'RegisterAgent', data: { agentId: id, name, departmentIds: ['it'], tier: 'L1' } });
    await project(store, history.events);

    const it1 = await listAgents(store.reader, { departmentId: 'it', limit: 2 });
    expect(it1.items.map((a) => a.agentId)).toEqual(['agent-ann', 'agent-cy']);
    expect(it1.items[0]).toEqual({
      agentId: 'agent-ann',
      name: 'Ann',
      tier: 'L2',
      departmentIds: ['hr', 'it'],
      registeredAt: '2026-03-02T08:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z',
    });
    const it2 = await listAgents(store.reader, { departmentId: 'it', limit: 2, cursor: it1.nextCursor! });
    expect(it2.items.map((a) => a.agentId)).toEqual(['agent-di', 'agent-ed']);
    expect(it2.nextCursor).toBeNull();
    expect((await listAgents(store.reader, { departmentId: 'fin', limit: 10 })).items.map((a) => a.name)).toEqual(['Bob Smith']);
    expect((await listAgents(store.reader, { q: 'SMI', limit: 10 })).items.map((a) => a.agentId)).toEqual(['agent-bob']);
    expect(await agentById(store.reader, 'agent-bob')).toMatchObject({ name: 'Bob Smith', departmentIds: ['fin'] });
    expect(await agentById(store.reader, 'agent-zed')).toBeNull();
    await expect(listAgents(store.reader, { limit: 2, cursor: 'bm90IGEgY3Vyc29y' })).rejects.toThrow('not a cursor of this directory');
  });

  it('lists customers by type, kind, department and name, and departments by name; wildcards in q match themselves', async () => {
    await project(store, directoryHistory().events);
    const ids = async (filter: Parameters<typeof listCustomers>[1]) =>
      (await listCustomers(store.reader, filter)).items.map((c) => c.customerId);
    expect(await ids({ limit: 10 })).toEqual(['Carl', 'Eva', 'Rita']);
    expect(await ids({ type: 'internal', limit: 10 })).toEqual(['Eva', 'Rita']);
    expect(await ids({ kind: 'individual', limit: 10 })).toEqual(['Carl']);
    expect(await ids({ departmentId: 'it', limit: 10 })).toEqual(['Rita']);
    expect(await ids({ q: 'ri', limit: 10 })).toEqual(['Rita']);
    const first = await listCustomers(store.reader, { limit: 1 });
    expect((await listCustomers(store.reader, { limit: 5, cursor: first.nextCursor! })).items.map((c) => c.customerId)).toEqual([
      'Eva',
      'Rita',
    ]);
    expect((await listCustomers(store.reader, { departmentId: 'it', limit: 1 })).items[0]).toMatchObject({
      customerFacing: true,
      departmentId: 'it',
    });

    expect((await listDepartments(store.reader, { limit: 10 })).items.map((d) => d.name)).toEqual([
      'Finance 100%',
      'Human resources',
      'IT',
    ]);
    expect((await listDepartments(store.reader, { q: '0%', limit: 10 })).items.map((d) => d.departmentId)).toEqual(['fin']);
    expect((await listDepartments(store.reader, { q: '_', limit: 10 })).items).toEqual([]);
  });
});
