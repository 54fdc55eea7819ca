import { DeskHistory } from '@desk/application/testing/desk-history';
import { impactBlockers, impactChain, ImpactChainProjection, type ReadModelStore } from '@desk/read-models';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';
import { IT_STANDARD } from './scenario-desk';
import { FRONT_DESK_TARGETS } from './vet-clinic.history';

const projections = () => [new ImpactChainProjection()];
const END = '9999-12-31T23:59:59.999Z';

/** Rita's phones (IT) block Olga's appointment; the phones' priority rises at 09:30; the link is removed at 10:00 and made again at 10:30. */
function phones(): DeskHistory {
  return new DeskHistory('2026-03-02T08:00:00.000Z')
    .department('it', 'IT', IT_STANDARD)
    .department('front-desk', 'Front desk', FRONT_DESK_TARGETS)
    .internalCustomer('rec-rita', 'front-desk', true)
    .externalCustomer('owner-olga')
    .at('2026-03-02T09:00:00.000Z')
    .open('it-phones', 'rec-rita', 'it', { priority: 'medium' })
    .at('2026-03-02T09:05:00.000Z')
    .open('appt-1', 'owner-olga', 'front-desk', { priority: 'high' })
    .at('2026-03-02T09:10:00.000Z')
    .link('it-phones', 'appt-1')
    .at('2026-03-02T09:30:00.000Z')
    .request('it-phones', { type: 'ChangePriority', data: { priority: 'high', reason: 'the whole clinic' } })
    .at('2026-03-02T10:00:00.000Z')
    .unlink('it-phones', 'appt-1')
    .at('2026-03-02T10:30:00.000Z')
    .link('it-phones', 'appt-1', 'degrades');
}

async function nodeVersions(store: ReadModelStore, requestId: string) {
  return store.reader
    .selectFrom('impact_node_versions')
    .select(['valid_from', 'valid_to', 'status', 'is_open', 'priority'])
    .where('request_id', '=', requestId)
    .orderBy('valid_from')
    .execute();
}

async function linkVersions(store: ReadModelStore) {
  return store.reader
    .selectFrom('impact_link_versions')
    .select(['cause_id', 'effect_id', 'valid_from', 'valid_to', 'relation', 'linked_at'])
    .orderBy('cause_id')
    .orderBy('effect_id')
    .orderBy('valid_from')
    .execute();
}

async function history(store: ReadModelStore) {
  return {
    nodes: await store.reader.selectFrom('impact_node_versions').selectAll().orderBy('request_id').orderBy('valid_from').execute(),
    links: await linkVersions(store),
  };
}

describeOnEveryReadModelStore('impact-chain history', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps a version of the node per change and of the link each time it stands, valid from the business time of the change', async () => {
    await project(store, phones().events, { projections: projections() });
    expect(await nodeVersions(store, 'it-phones')).toEqual([
      { valid_from: '2026-03-02T09:00:00.000Z', valid_to: '2026-03-02T09:30:00.000Z', status: 'new', is_open: 1, priority: 'medium' },
      { valid_from: '2026-03-02T09:30:00.000Z', valid_to: END, status: 'new', is_open: 1, priority: 'high' },
    ]);
    expect(await linkVersions(store)).toEqual([
      {
        cause_id: 'it-phones',
        effect_id: 'appt-1',
        valid_from: '2026-03-02T09:10:00.000Z',
        valid_to: '2026-03-02T10:00:00.000Z',
        relation: 'blocks',
        linked_at: '2026-03-02T09:10:00.000Z',
      },
      {
        cause_id: 'it-phones',
        effect_id: 'appt-1',
        valid_from: '2026-03-02T10:30:00.000Z',
        valid_to: END,
        relation: 'degrades',
        linked_at: '2026-03-02T10:30:00.000Z',
      },
    ]);
    expect(await impactChain(store.reader, 'it-phones', new Date('2026-03-02T09:45:00.000Z'))).toMatchObject({
      request: { priority: 'high', effectivePriority: 'high' },
      effects: [{ requestId: 'appt-1', relation: 'blocks', blocking: true }],
      externalRequestsAffected: 1,
    });
    expect(await impactChain(store.reader, 'it-phones', new Date('2026-03-02T10:15:00.000Z'))).toMatchObject({
      effects: [],
      externalRequestsAffected: 0,
    });
    expect(await impactChain(store.reader, 'it-phones', new Date('2026-03-02T08:59:59.999Z'))).toBeNull();
  });

  it('splits the version an older event lands in and recomputes the later ones with it applied after what they hold', async () => {
    const desk = phones();
    await project(store, desk.events, { projections: projections() });
    // An import of older history: the phones were fixed at 09:20, recorded after everything above.
    const mark = desk.events.length;
    desk.at('2026-03-02T09:20:00.000Z').work('it-phones').resolve('it-phones');
    await project(store, desk.since(mark), { projections: projections() });

    expect(await nodeVersions(store, 'it-phones')).toEqual([
      { valid_from: '2026-03-02T09:00:00.000Z', valid_to: '2026-03-02T09:20:00.000Z', status: 'new', is_open: 1, priority: 'medium' },
      { valid_from: '2026-03-02T09:20:00.000Z', valid_to: '2026-03-02T09:30:00.000Z', status: 'resolved', is_open: 0, priority: 'medium' },
      { valid_from: '2026-03-02T09:30:00.000Z', valid_to: END, status: 'resolved', is_open: 0, priority: 'high' },
    ]);
    expect(await impactChain(store.reader, 'it-phones', new Date('2026-03-02T09:15:00.000Z'))).toMatchObject({
      externalRequestsAffected: 1,
    });
    expect(await impactChain(store.reader, 'it-phones', new Date('2026-03-02T09:25:00.000Z'))).toMatchObject({
      request: { status: 'resolved', open: false },
      effects: [{ requestId: 'appt-1', blocking: false }],
      externalRequestsAffected: 0,
    });
    const blockersAt = async (iso: string) =>
      (await impactBlockers(store.reader, { limit: 10 }, new Date(iso))).items.map((b) => b.requestId);
    expect(await blockersAt('2026-03-02T09:15:00.000Z')).toEqual(['it-phones']);
    expect(await blockersAt('2026-03-02T09:45:00.000Z')).toEqual([]);
  });

  it('writes the same history in batches of one as in one batch, and applying the events twice changes nothing', async () => {
    const desk = phones();
    desk.at('2026-03-02T09:20:00.000Z').work('it-phones').resolve('it-phones').at('2026-03-02T09:07:00.000Z').unlink('it-phones', 'appt-1');
    await project(store, desk.events, { batchSize: 1, projections: projections() });
    const oneByOne = await history(store);
    expect(oneByOne.nodes.length).toBeGreaterThan(3);
    const other = await open();
    try {
      await project(other, desk.events, { projections: projections() });
      expect(await history(other)).toEqual(oneByOne);
      await project(other, desk.events, { projections: projections() });
      expect(await history(other)).toEqual(oneByOne);
      await project(other, desk.events, { batchSize: 3, projections: projections() });
      expect(await history(other)).toEqual(oneByOne);
    } finally {
      await other.close();
    }
  });
});
