import { departmentQueue, departmentWorkload, impactBlockers, impactChain, type ReadModelStore } from '@desk/read-models';
import { describeOnEveryReadModelStore, dumpReadModels, project } from './support/read-model-backends';
import { vetClinic } from './vet-clinic.history';

describeOnEveryReadModelStore('impact-chain projection', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('gives the internal request the external customers it blocks, transitively, and the deadline it inherits', async () => {
    const history = vetClinic();
    await project(store, history.events);

    const phones = await impactChain(store.reader, 'it-phones');
    expect(phones).toMatchObject({
      request: { requestId: 'it-phones', priority: 'medium', effectivePriority: 'high', exposedToExternal: true },
      externalRequestsAffected: 3,
      externalCustomersAffected: 2,
      // appt-1 opened at 09:05, high external: resolution due 2 hours later.
      inheritedDeadline: '2026-03-02T11:05:00.000Z',
    });
    expect(phones!.effects.map((e) => [e.requestId, e.depth, e.relation, e.blocking])).toEqual([
      ['appt-1', 1, 'blocks', true],
      ['appt-2', 1, 'blocks', true],
      ['appt-3', 1, 'degrades', true],
    ]);
    expect(phones!.causes.map((c) => [c.requestId, c.depth, c.via])).toEqual([['it-switch', 1, 'it-phones']]);

    const switchChain = await impactChain(store.reader, 'it-switch');
    expect(switchChain).toMatchObject({
      request: { priority: 'low', effectivePriority: 'high' },
      externalRequestsAffected: 3,
      externalCustomersAffected: 2,
      blocksRequests: 4,
      blocksExposedRequests: 1,
    });
    expect(switchChain!.effects.map((e) => [e.requestId, e.depth, e.via])).toEqual([
      ['it-phones', 1, 'it-switch'],
      ['appt-1', 2, 'it-phones'],
      ['appt-2', 2, 'it-phones'],
      ['appt-3', 2, 'it-phones'],
    ]);
    const appointment = await impactChain(store.reader, 'appt-2');
    expect(appointment!.causes.map((c) => [c.requestId, c.depth])).toEqual([
      ['it-phones', 1],
      ['it-switch', 2],
    ]);
  });

  it('ranks the blockers by the external customers they block', async () => {
    await project(store, vetClinic().events);
    const { items } = await impactBlockers(store.reader, { limit: 10 });
    expect(items.map((b) => [b.requestId, b.blocksExternalCustomers, b.blocksExternalRequests, b.blocksExposedRequests])).toEqual([
      ['it-switch', 2, 3, 1],
      ['it-phones', 2, 3, 0],
    ]);
  });

  it('stops counting a link once its cause is resolved, and counts it again on reopening', async () => {
    const history = vetClinic();
    history.work('it-switch').resolve('it-switch', 'replaced the switch');
    await project(store, history.events);
    expect(await impactChain(store.reader, 'it-switch')).toMatchObject({
      externalRequestsAffected: 0,
      request: { effectivePriority: 'low' },
    });
    const page = await departmentQueue(store.reader, 'it', { limit: 10 }, history.time);
    expect(page.items.find((item) => item.requestId === 'it-phones')!.blockedBy).toEqual([]);

    const mark = history.events.length;
    history.advance(10).request('it-switch', { type: 'ReopenRequest', data: { reason: 'it failed again' } });
    await project(store, history.since(mark));
    expect(await impactChain(store.reader, 'it-switch')).toMatchObject({
      externalRequestsAffected: 3,
      request: { effectivePriority: 'high' },
    });
  });

  it('drops an unlinked effect from the chain and from the figures', async () => {
    const history = vetClinic().unlink('it-phones', 'appt-2');
    await project(store, history.events);
    expect(await impactChain(store.reader, 'it-phones')).toMatchObject({ externalRequestsAffected: 2, externalCustomersAffected: 1 });
  });

  it('raises the effective priority when a blocked request becomes critical, and lowers it back', async () => {
    const history = vetClinic();
    history.request('appt-3', { type: 'ChangePriority', data: { priority: 'critical', reason: 'surgery today' } });
    await project(store, history.events);
    expect((await impactChain(store.reader, 'it-switch'))!.request.effectivePriority).toBe('critical');
    const mark = history.events.length;
    history.request('appt-3', { type: 'CancelRequest', data: { reason: 'owner called back' } });
    await project(store, history.since(mark));
    expect((await impactChain(store.reader, 'it-switch'))!.request.effectivePriority).toBe('high');
  });

  it('counts what the department’s open internal work blocks in its workload', async () => {
    const history = vetClinic();
    await project(store, history.events);
    const workload = await departmentWorkload(store.reader, 'it', {}, history.time);
    expect(workload.impact).toEqual({ blockingRequests: 2, blockedExternalRequests: 3, blockedExternalCustomers: 2 });
  });

  it('builds the same read models in batches of one as in one batch, and applying twice changes nothing', async () => {
    const history = vetClinic();
    history.work('it-switch').resolve('it-switch').unlink('it-phones', 'appt-1');
    await project(store, history.events, { batchSize: 1 });
    const oneByOne = await dumpReadModels(store);
    const other = await open();
    try {
      await project(other, history.events);
      expect(await dumpReadModels(other)).toEqual(oneByOne);
      await project(other, history.events);
      expect(await dumpReadModels(other)).toEqual(oneByOne);
    } finally {
      await other.close();
    }
  });
});
