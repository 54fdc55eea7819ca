import { InvalidCursorError, requestList, type RequestListFilter, type ReadModelStore } from '@desk/read-models';
import type { DeskHistory } from '@desk/application/testing/desk-history';
import { cancel, close, desk, hold, requester, transfer } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

/**
 * A morning at the desk, one change every five minutes from 08:00 (the
 * time of a request's last change is its updatedAt):
 * a1 eva/it high, opened 08:00, resolved 08:05 (last change 08:05)
 * a2 eva/it medium 08:10, assigned to agent-bob 08:15
 * a3 rita/shop medium 08:20, cancelled by rita 08:25
 * a4 olga/shop high 08:30, in progress with agent-ann, on hold awaiting a third party 08:35
 * a5 eva/hr low 08:40, transferred to it 08:45
 * a6 omar/shop medium 08:50, category "billing", tagged invoice; a4 tagged invoice and vip at 08:50 too
 * a1 closed by eva 08:55.
 * Newest change first: a1 08:55, a6 08:50, a4 08:50, a5 08:45, a3 08:25, a2 08:15.
 */
function morning(): DeskHistory {
  return desk()
    .open('a1', 'eva', 'it', { priority: 'high' })
    .work('a1')
    .advance(5)
    .resolve('a1')
    .advance(5)
    .open('a2', 'eva', 'it')
    .advance(5)
    .assign('a2', 'agent-bob')
    .advance(5)
    .open('a3', 'rita', 'shop')
    .advance(5)
    .request('a3', cancel, requester('rita'))
    .advance(5)
    .open('a4', 'olga', 'shop', { priority: 'high' })
    .work('a4', 'agent-ann')
    .advance(5)
    .request('a4', hold('awaiting_third_party'), { id: 'agent-ann', role: 'agent' })
    .advance(5)
    .open('a5', 'eva', 'hr', { priority: 'low' })
    .advance(5)
    .request('a5', transfer('it'))
    .advance(5)
    .open('a6', 'omar', 'shop', { category: 'billing' })
    .request('a6', { type: 'TagRequest', data: { tag: 'invoice' } })
    .request('a4', { type: 'TagRequest', data: { tag: 'invoice' } }, { id: 'agent-ann', role: 'agent' })
    .request('a4', { type: 'TagRequest', data: { tag: 'vip' } }, { id: 'agent-ann', role: 'agent' })
    .advance(5)
    .request('a1', close, requester('eva'));
}
const NEWEST_FIRST = ['a1', 'a6', 'a4', 'a5', 'a3', 'a2'];
const at = (time: string) => `2026-03-02T${time}:00.000Z`;
const NOW = new Date(at('09:00'));

describeOnEveryReadModelStore('request list query', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
    await project(store, morning().events);
  });
  afterEach(async () => {
    await store.close();
  });

  const page = (filter: Partial<RequestListFilter> = {}) =>
    requestList(store.reader, { sort: 'updatedAt', order: 'desc', limit: 50, ...filter }, NOW, 'staff');
  const ids = async (filter: Partial<RequestListFilter> = {}) => (await page(filter)).items.map((row) => row.requestId);

  it('lists every request, open or not, the last changed first', async () => {
    expect(await ids()).toEqual(NEWEST_FIRST);
    expect((await page()).items.map((row) => [row.requestId, row.status, row.updatedAt])).toEqual([
      ['a1', 'closed', at('08:55')],
      ['a6', 'new', at('08:50')],
      ['a4', 'on_hold', at('08:50')],
      ['a5', 'new', at('08:45')],
      ['a3', 'cancelled', at('08:25')],
      ['a2', 'assigned', at('08:15')],
    ]);
  });

  it('filters by status, including resolved, closed and cancelled', async () => {
    expect(await ids({ statuses: ['closed', 'cancelled'] })).toEqual(['a1', 'a3']);
    expect(await ids({ statuses: ['new'] })).toEqual(['a6', 'a5']);
    expect(await ids({ statuses: ['resolved'] })).toEqual([]);
  });

  it('filters by departments (the one a request is in now), assignee or none, requester, audience, priority and category', async () => {
    expect(await ids({ departmentIds: ['it'] })).toEqual(['a1', 'a5', 'a2']);
    expect(await ids({ departmentIds: ['hr'] })).toEqual([]);
    expect(await ids({ departmentIds: ['hr', 'shop'] })).toEqual(['a6', 'a4', 'a3']);
    expect(await ids({ assigneeId: 'agent-bob' })).toEqual(['a2']);
    expect(await ids({ assigneeId: null })).toEqual(['a6', 'a5', 'a3']);
    expect(await ids({ requesterId: 'eva' })).toEqual(['a1', 'a5', 'a2']);
    expect(await ids({ audiences: ['external'] })).toEqual(['a6', 'a4']);
    expect(await ids({ priorities: ['high', 'low'] })).toEqual(['a1', 'a4', 'a5']);
    expect(await ids({ tag: 'invoice' })).toEqual(['a6', 'a4']);
    expect(await ids({ tag: 'vip', audiences: ['external'] })).toEqual(['a4']);
    expect(await ids({ tag: 'none-has-it' })).toEqual([]);
    expect(await ids({ category: 'billing' })).toEqual(['a6']);
    expect(await ids({ requesterId: 'eva', statuses: ['new', 'assigned'] })).toEqual(['a5', 'a2']);
  });

  it('filters by the time of the last change, both bounds exclusive', async () => {
    expect(await ids({ updatedAfter: at('08:45') })).toEqual(['a1', 'a6', 'a4']);
    expect(await ids({ updatedBefore: at('08:45') })).toEqual(['a3', 'a2']);
    expect(await ids({ updatedAfter: at('08:15'), updatedBefore: at('08:50') })).toEqual(['a5', 'a3']);
  });

  it('sorts by updatedAt and openedAt either way, by due time and by effective priority', async () => {
    expect(await ids({ order: 'asc' })).toEqual([...NEWEST_FIRST].reverse());
    expect(await ids({ sort: 'openedAt', order: 'asc' })).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    expect(await ids({ sort: 'openedAt' })).toEqual(['a6', 'a5', 'a4', 'a3', 'a2', 'a1']);
    // Due times (first response): a2 09:10 (IT medium 60 min), a5 none when opened in HR (no standard) and none after the
    // transfer (the promise stays as it was); the shop counts Brussels office hours (from 08:00 UTC): a6 medium
    // external 120 min → 10:50, a4 high external 60 min, on hold for a third party (the clock runs) → 09:30. Closed
    // and cancelled ones have none: without a due time, last in either order (by id, in the order's direction).
    expect(await ids({ sort: 'dueAt', order: 'asc' })).toEqual(['a2', 'a4', 'a6', 'a1', 'a3', 'a5']);
    expect(await ids({ sort: 'dueAt', order: 'desc' })).toEqual(['a6', 'a4', 'a2', 'a5', 'a3', 'a1']);
    // Most urgent first, then by id; ascending is the exact reverse, the least urgent first.
    expect(await ids({ sort: 'effectivePriority' })).toEqual(['a1', 'a4', 'a2', 'a3', 'a6', 'a5']);
    expect(await ids({ sort: 'effectivePriority', order: 'asc' })).toEqual(['a5', 'a6', 'a3', 'a2', 'a4', 'a1']);
  });

  it('pages with keyset cursors that neither skip nor repeat, in every sort', async () => {
    for (const sort of ['updatedAt', 'openedAt', 'dueAt', 'effectivePriority'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const whole = await ids({ sort, order });
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const next = await page({ sort, order, limit: 4, cursor });
          seen.push(...next.items.map((row) => row.requestId));
          cursor = next.nextCursor ?? undefined;
        } while (cursor);
        expect([sort, order, seen]).toEqual([sort, order, whole]);
      }
    }
  });

  it('refuses a cursor of another sort or order, and one it never gave out', async () => {
    const first = await page({ limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    await expect(page({ sort: 'openedAt', cursor: first.nextCursor! })).rejects.toThrow(
      new InvalidCursorError('cursor: a cursor of the updatedAt desc order, not of openedAt desc'),
    );
    await expect(page({ order: 'asc', cursor: first.nextCursor! })).rejects.toThrow(InvalidCursorError);
    await expect(page({ cursor: Buffer.from('[1,2]').toString('base64url') })).rejects.toThrow(InvalidCursorError);
    await expect(page({ cursor: 'not-base64-json' })).rejects.toThrow(InvalidCursorError);
  });

  it('shows the hold, with its note for staff, and the tags', async () => {
    const [a4] = (await page({ statuses: ['on_hold'] })).items;
    expect(a4).toMatchObject({
      requestId: 'a4',
      assigneeId: 'agent-ann',
      assigneeName: 'agent-ann',
      requesterName: 'olga',
      holdReason: 'awaiting_third_party',
      heldAt: at('08:35'),
      holdNote: null,
      tags: ['invoice', 'vip'],
    });
  });

  it('shows what a console draws: the department name, the time of the last change, the due time and SLA', async () => {
    const [a5] = (await page({ requesterId: 'eva', statuses: ['new'] })).items;
    expect(a5).toMatchObject({
      requestId: 'a5',
      departmentId: 'it',
      departmentName: 'IT',
      requesterId: 'eva',
      requesterKind: 'employee',
      openedAt: at('08:40'),
      updatedAt: at('08:45'),
      dueAt: null,
    });
  });
});
