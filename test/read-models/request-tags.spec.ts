import type { ReadModelStore } from '@desk/read-models';
import type { RequestCommand } from '@desk/domain';
import { desk, hold, resume } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

const tag = (value: string): RequestCommand => ({ type: 'TagRequest', data: { tag: value } });
const untag = (value: string): RequestCommand => ({ type: 'UntagRequest', data: { tag: value } });

/** t1 tagged vpn, outage, then vpn taken off; t2 tagged outage, held for a third party with a note; t3 untagged. */
function tagged() {
  return desk()
    .open('t1', 'eva', 'it')
    .request('t1', tag('vpn'))
    .request('t1', tag('outage'))
    .open('t2', 'eva', 'it')
    .work('t2')
    .request('t2', tag('outage'))
    .request('t2', { type: 'PutOnHold', data: { reason: 'awaiting_third_party', note: 'vendor ticket 4411' } })
    .open('t3', 'rita', 'shop')
    .request('t1', untag('vpn'));
}

/** Given events, then request_tags and the rows' tags and holds: on both stores, in any batch size, and applied twice. */
describeOnEveryReadModelStore('request-summaries projection: tags and holds', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const tagRows = () => store.reader.selectFrom('request_tags').selectAll().orderBy('request_id').orderBy('tag').execute();
  const summaries = () =>
    store.reader
      .selectFrom('request_summaries')
      .select(['request_id', 'tags', 'hold_reason', 'hold_note', 'held_at'])
      .orderBy('request_id')
      .execute();
  const expected = {
    tags: [
      { request_id: 't1', tag: 'outage' },
      { request_id: 't2', tag: 'outage' },
    ],
    summaries: [
      { request_id: 't1', tags: '["outage"]', hold_reason: null, hold_note: null, held_at: null },
      {
        request_id: 't2',
        tags: '["outage"]',
        hold_reason: 'awaiting_third_party',
        hold_note: 'vendor ticket 4411',
        held_at: '2026-03-02T08:00:00.000Z',
      },
      { request_id: 't3', tags: '[]', hold_reason: null, hold_note: null, held_at: null },
    ],
  };

  it.each([1, 3, 1000])('keeps one request_tags row per tag a request carries, in batches of %i', async (batchSize) => {
    await project(store, tagged().events, { batchSize });
    expect(await tagRows()).toEqual(expected.tags);
    expect(await summaries()).toEqual(expected.summaries);
  });

  it('changes nothing when the events are applied twice', async () => {
    const history = tagged();
    await project(store, history.events);
    await project(store, history.events, { batchSize: 2 });
    expect(await tagRows()).toEqual(expected.tags);
    expect(await summaries()).toEqual(expected.summaries);
  });

  it('follows later changes: a tag added back, a hold resumed', async () => {
    const history = tagged();
    await project(store, history.events);
    const mark = history.events.length;
    history.request('t1', tag('vpn')).request('t2', resume).request('t2', hold('awaiting_requester'));
    await project(store, history.since(mark));
    expect(await tagRows()).toEqual([
      { request_id: 't1', tag: 'outage' },
      { request_id: 't1', tag: 'vpn' },
      { request_id: 't2', tag: 'outage' },
    ]);
    expect((await summaries()).find((row) => row.request_id === 't2')).toMatchObject({
      hold_reason: 'awaiting_requester',
      hold_note: null,
    });
  });
});
