import {
  InvalidCursorError,
  parseSearch,
  requesterToken,
  searchRequestList,
  type ReadModelStore,
  type RequestListFilter,
} from '@desk/read-models';
import type { RequestCommand } from '@desk/domain';
import type { DeskHistory } from '@desk/application/testing/desk-history';
import { agent, desk, requester } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

const NOW = new Date('2026-03-02T12:00:00.000Z');
const comment = (commentId: string, body: string, visibility: 'public' | 'internal'): RequestCommand => ({
  type: 'AddComment',
  data: { commentId, body, visibility },
});

/**
 * Fifteen requests that mention a printer, by turns in the subject, the description, a public comment and an
 * internal note, opened by eva (IT) and olga (shop); two that do not. p-0 … p-14 one minute apart.
 */
function printers(): DeskHistory {
  const history = desk();
  for (let i = 0; i < 15; i++) {
    const id = `p-${i}`;
    const [requesterId, department] = i % 2 === 0 ? ['eva', 'it'] : ['olga', 'shop'];
    const where = i % 4;
    history.open(id, requesterId, department, {
      subject: where === 0 ? `Printer number ${i} is broken` : `Device number ${i} is broken`,
      description: where === 1 ? 'The printer shows an error' : 'It shows an error',
    });
    if (where === 2) history.request(id, comment(`c-${i}`, 'Restarted the printer twice', 'public'), requester(requesterId));
    if (where === 3) history.request(id, comment(`c-${i}`, 'Printer vendor is slow to answer', 'internal'), agent('ann'));
    history.advance(1);
  }
  return history.open('x-1', 'eva', 'it', { subject: 'Scanner jams' }).open('x-2', 'olga', 'shop', { subject: 'Refund' });
}

const filter = (extra: Partial<RequestListFilter> = {}): Omit<RequestListFilter, 'matches'> => ({
  sort: 'updatedAt',
  order: 'desc',
  limit: 50,
  ...extra,
});

describeOnEveryReadModelStore('request list with full-text search', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
    await project(store, printers().events);
  });
  afterEach(async () => {
    await store.close();
  });

  const staffSearch = (q: string, extra: Partial<RequestListFilter> = {}, rankOrder = true) =>
    searchRequestList(store.reader, parseSearch(q), filter(extra), rankOrder, NOW, 'staff');

  it('ranks subject matches first, then description, then comments, and shows where each matched', async () => {
    const page = await staffSearch('printer');
    expect(page.sort).toBe('rank');
    expect(page.items.map((item) => item.requestId)).toHaveLength(15);
    const fields = page.items.map((item) => item.match?.field);
    const firstOf = (field: string) => fields.indexOf(field as never);
    const lastOf = (field: string) => fields.lastIndexOf(field as never);
    expect(lastOf('subject')).toBeLessThan(firstOf('description'));
    expect(lastOf('description')).toBeLessThan(firstOf('comments'));
    expect(page.items.find((item) => item.requestId === 'p-3')?.match).toEqual({
      field: 'internalComments',
      snippet: 'Printer vendor is slow to answer',
      highlights: [{ start: 0, end: 7 }],
    });
    expect(page.nextCursor).toBeNull();
  });

  it('pages through the ranked matches with cursors, none skipped or repeated', async () => {
    const whole = (await staffSearch('printer')).items.map((item) => item.requestId);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await staffSearch('printer', { limit: 4, cursor });
      seen.push(...page.items.map((item) => item.requestId));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(whole);
  });

  it('applies the list’s other filters and sorts to the matches', async () => {
    const shop = await staffSearch('printer', { departmentIds: ['shop'] });
    expect(shop.items.map((item) => item.requestId).sort()).toEqual(['p-1', 'p-11', 'p-13', 'p-3', 'p-5', 'p-7', 'p-9']);
    const newest = await staffSearch('printer', { departmentIds: ['shop'], limit: 3 }, false);
    expect(newest.sort).toBe('updatedAt');
    expect(newest.items.map((item) => item.requestId)).toEqual(['p-13', 'p-11', 'p-9']);
    expect(
      (await staffSearch('printer', { limit: 3, cursor: newest.nextCursor! }).catch((error: unknown) => error)) instanceof
        InvalidCursorError,
    ).toBe(true);
  });

  it('gives a requester their own requests only, found by what they may see', async () => {
    const page = await searchRequestList(store.reader, parseSearch('printer'), filter({ requesterId: 'eva' }), true, NOW, 'requester');
    // eva's are the even ones; p-3, p-7 and p-11 (olga's) carry the internal notes, so none of eva's is left out.
    expect(page.items.map((item) => item.requestId).sort()).toEqual(['p-0', 'p-10', 'p-12', 'p-14', 'p-2', 'p-4', 'p-6', 'p-8']);
    const olga = await searchRequestList(store.reader, parseSearch('vendor'), filter({ requesterId: 'olga' }), true, NOW, 'requester');
    expect(olga.items).toEqual([]);
    const staff = await staffSearch('vendor');
    expect(staff.items.map((item) => item.requestId).sort()).toEqual(['p-11', 'p-3', 'p-7']);
    const olgaPrinters = await searchRequestList(
      store.reader,
      parseSearch('printer'),
      filter({ requesterId: 'olga' }),
      true,
      NOW,
      'requester',
    );
    // Olga's p-3, p-7 and p-11 hold the word in an internal note only: not found for her.
    expect(olgaPrinters.items.map((item) => item.requestId).sort()).toEqual(['p-1', 'p-13', 'p-5', 'p-9']);
    expect(olgaPrinters.items.every((item) => item.match !== null && item.match.field !== 'internalComments')).toBe(true);
  });

  describe('a search that matches more requests than it ranks at once', () => {
    // p-i is the (i + 1)th request indexed: its document is i + 1 (x-1 and x-2 are 16 and 17). Ranges go newest
    // first, the newest 4 documents, then each older range twice as wide: 14–17, 6–13, 0–5.
    const RANGE = 4;
    const NEWEST = 17;
    const rangeOf = (requestId: string) => {
      const doc = Number(requestId.slice(2)) + 1;
      let range = 0;
      for (let to = NEWEST, width = RANGE; doc < to - width + 1; to -= width, width *= 2) range++;
      return range;
    };
    const ranged = (q: string, extra: Partial<RequestListFilter> = {}, viewer: 'staff' | 'requester' = 'staff') =>
      searchRequestList(store.reader, parseSearch(q), filter(extra), true, NOW, viewer, RANGE);
    const everyPage = async (q: string, extra: Partial<RequestListFilter>, viewer: 'staff' | 'requester' = 'staff') => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await ranged(q, { ...extra, cursor }, viewer);
        expect(page.rankedWithin).toBe(RANGE);
        seen.push(...page.items.map((item) => item.requestId));
        if (!page.nextCursor) return seen;
        cursor = page.nextCursor;
      }
      throw new Error('more pages than matches');
    };

    it('ranks each range of documents on its own, newest range first, each older one twice as wide, and pages through every match once', async () => {
      const whole = (await staffSearch('printer')).items.map((item) => item.requestId);
      const first = await ranged('printer');
      expect(first.rankedWithin).toBe(RANGE);
      expect(first.sort).toBe('rank');
      const order = first.items.map((item) => item.requestId);
      expect(order.slice().sort()).toEqual(whole.slice().sort());
      const ranges = order.map(rangeOf);
      expect(ranges).toEqual(ranges.slice().sort((a, b) => a - b));
      expect(new Set(ranges)).toEqual(new Set([0, 1, 2]));
      // Within a range, the order is the rank's: the same as ranking every match, kept to that range.
      for (const range of new Set(ranges)) {
        expect(order.filter((id) => rangeOf(id) === range)).toEqual(whole.filter((id) => rangeOf(id) === range));
      }
      for (const limit of [1, 3, 4, 5]) expect(await everyPage('printer', { limit })).toEqual(order);
    });

    it("applies the other filters within each range, and a requester's search to their own requests", async () => {
      const shop = await everyPage('printer', { departmentIds: ['shop'], limit: 2 });
      expect(shop.slice().sort()).toEqual(['p-1', 'p-11', 'p-13', 'p-3', 'p-5', 'p-7', 'p-9']);
      const eva = await everyPage('printer', { requesterId: 'eva', limit: 3 }, 'requester');
      expect(eva.slice().sort()).toEqual(['p-0', 'p-10', 'p-12', 'p-14', 'p-2', 'p-4', 'p-6', 'p-8']);
    });

    it('ranks all at once up to that many matches, and refuses a cursor of the other kind', async () => {
      const all = await searchRequestList(store.reader, parseSearch('printer'), filter({ limit: 4 }), true, NOW, 'staff', 15);
      expect(all.rankedWithin).toBeNull();
      const error = await ranged('printer', { limit: 4, cursor: all.nextCursor! }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidCursorError);
    });
  });

  it("finds nothing by a requester's token: it is there to narrow their own search, not to be searched for", async () => {
    expect((await staffSearch(requesterToken('eva'))).items).toEqual([]);
    const own = await searchRequestList(
      store.reader,
      parseSearch(requesterToken('eva')),
      filter({ requesterId: 'eva' }),
      true,
      NOW,
      'requester',
    );
    expect(own.items).toEqual([]);
  });
});
