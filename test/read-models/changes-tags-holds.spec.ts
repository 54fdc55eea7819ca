import type { RequestCommand } from '@desk/domain';
import { requestChangeView, type ReadModelStore, type RequestChangeRow } from '@desk/read-models';
import { desk, resume } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

const tag = (value: string): RequestCommand => ({ type: 'TagRequest', data: { tag: value } });
const untag = (value: string): RequestCommand => ({ type: 'UntagRequest', data: { tag: value } });
const holdWithNote: RequestCommand = { type: 'PutOnHold', data: { reason: 'awaiting_third_party', note: 'vendor ticket 4411' } };

/** a: tagged vpn then outage, held for a third party with a note, resumed, vpn taken off; b tagged once. */
function history() {
  return desk()
    .open('a', 'eva', 'it')
    .work('a')
    .request('a', tag('vpn'))
    .request('a', tag('outage'))
    .advance(5)
    .request('a', holdWithNote)
    .advance(5)
    .request('a', resume)
    .request('a', untag('vpn'))
    .open('b', 'olga', 'shop')
    .request('b', tag('refund'));
}

/** Given events, then the request_changes rows of tags and holds, and what a requester's stream would get of them. */
describeOnEveryReadModelStore('request-summaries projection: request_changes of tags and holds', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const rows = (): Promise<RequestChangeRow[]> =>
    store.reader.selectFrom('request_changes').selectAll().orderBy('position').orderBy('seq').execute();
  const changesOf = (row: RequestChangeRow): unknown => JSON.parse(row.changes);

  it('records a tag added or removed as the list before and after, and a hold’s reason, note and time, set and cleared', async () => {
    await project(store, history().events);
    const all = await rows();
    const a = all.filter((row) => row.request_id === 'a');
    expect(a.map((row) => row.event_type)).toEqual([
      'RequestOpened',
      'RequestAssigned',
      'RequestWorkStarted',
      'RequestTagged',
      'RequestTagged',
      'RequestPutOnHold',
      'RequestResumed',
      'RequestUntagged',
    ]);
    const [opened, , , vpn, outage, held, resumed, untagged] = a;
    // Opened without tags: the list set, from nothing; no hold, so no hold field.
    expect(changesOf(opened)).toMatchObject({ tags: { from: null, to: [] } });
    expect(changesOf(opened)).not.toHaveProperty('holdReason');
    expect(changesOf(vpn)).toEqual({ tags: { from: [], to: ['vpn'] } });
    expect(changesOf(outage)).toEqual({ tags: { from: ['vpn'], to: ['vpn', 'outage'] } });
    expect(changesOf(held)).toEqual({
      status: { from: 'in_progress', to: 'on_hold' },
      holdReason: { from: null, to: 'awaiting_third_party' },
      holdNote: { from: null, to: 'vendor ticket 4411' },
      heldAt: { from: null, to: '2026-03-02T08:05:00.000Z' },
    });
    expect(changesOf(resumed)).toMatchObject({
      status: { from: 'on_hold', to: 'in_progress' },
      holdReason: { from: 'awaiting_third_party', to: null },
      holdNote: { from: 'vendor ticket 4411', to: null },
      heldAt: { from: '2026-03-02T08:05:00.000Z', to: null },
    });
    expect(changesOf(untagged)).toEqual({ tags: { from: ['vpn', 'outage'], to: ['outage'] } });
    const b = all.filter((row) => row.request_id === 'b');
    expect(changesOf(b[1])).toEqual({ tags: { from: [], to: ['refund'] } });
  });

  it('gives a requester the hold’s reason and time, never its note, and no change at all of tags alone', async () => {
    await project(store, history().events);
    const a = (await rows()).filter((row) => row.request_id === 'a');
    const seen = a.map((row) => requestChangeView(row, 'requester'));
    const [opened, assigned, started, vpn, outage, held, resumed, untagged] = seen;
    expect(opened?.changes).not.toHaveProperty('tags');
    expect([assigned?.eventType, started?.eventType]).toEqual(['RequestAssigned', 'RequestWorkStarted']);
    // Tagging is staff's classification: nothing of it reaches the requester.
    expect([vpn, outage, untagged]).toEqual([null, null, null]);
    expect(held?.changes).toEqual({
      status: { from: 'in_progress', to: 'on_hold' },
      holdReason: { from: null, to: 'awaiting_third_party' },
      heldAt: { from: null, to: '2026-03-02T08:05:00.000Z' },
    });
    expect(resumed?.changes).not.toHaveProperty('holdNote');
    expect(JSON.stringify(seen)).not.toContain('vendor ticket');
    // Staff see every field.
    expect(requestChangeView(a[5], 'staff')?.changes).toHaveProperty('holdNote', { from: null, to: 'vendor ticket 4411' });
  });

  it('applied twice changes nothing, in any batch size', async () => {
    const events = history().events;
    await project(store, events);
    const once = await rows();
    await project(store, events);
    await project(store, events, { batchSize: 1 });
    expect(await rows()).toEqual(once);
    const other = await open();
    try {
      await project(other, events, { batchSize: 1 });
      expect(await other.reader.selectFrom('request_changes').selectAll().orderBy('position').orderBy('seq').execute()).toEqual(once);
    } finally {
      await other.close();
    }
  });
});
