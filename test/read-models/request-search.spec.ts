import fc from 'fast-check';
import {
  InvalidSearchError,
  parseSearch,
  searchHits,
  searchMatches,
  RequestSearchProjection,
  type ReadModelStore,
  type SearchViewer,
} from '@desk/read-models';
import type { RequestCommand } from '@desk/domain';
import type { DeskHistory } from '@desk/application/testing/desk-history';
import { agent, desk, requester, transfer } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

const projections = [new RequestSearchProjection()];
const staff: SearchViewer = { role: 'staff' };
const asRequester = (requesterId: string): SearchViewer => ({ role: 'requester', requesterId });

const comment = (commentId: string, body: string, visibility: 'public' | 'internal'): RequestCommand => ({
  type: 'AddComment',
  data: { commentId, body, visibility },
});

/**
 * Eva's printer (IT), with her public comment and an agent's internal note; Olga's refund (shop), whose description
 * names a printer, with an internal note; Eva's leave question, opened at HR and transferred to IT.
 */
function searchHistory(): DeskHistory {
  return desk()
    .open('r-1', 'eva', 'it', { subject: 'Printer on floor 3 jams', description: 'Paper gets stuck in tray two' })
    .request('r-1', comment('c-1', 'It started after the toner change', 'public'), requester('eva'))
    .request('r-1', comment('c-2', 'Vendor contract 4471, ask Zoë at Acme', 'internal'), agent('ann'))
    .open('r-2', 'olga', 'shop', { subject: 'Refund for order 1234', description: 'The printer I bought arrived broken' })
    .request('r-2', comment('c-3', 'Customer flagged as a fraud risk', 'internal'), agent('ann'))
    .open('r-3', 'eva', 'hr', { subject: 'Parental leave', description: 'How many days do I get?' })
    .request('r-3', transfer('it'));
}

describeOnEveryReadModelStore('request-search projection', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const rows = () => store.reader.selectFrom('request_search').selectAll().orderBy('request_id').execute();
  /** The requests a search matches, best first. */
  const search = async (q: string, viewer: SearchViewer = staff): Promise<string[]> => {
    const matches = await store.reader
      .selectFrom(searchMatches(store.reader, parseSearch(q), viewer).as('m'))
      .selectAll()
      .execute();
    return matches.sort((a, b) => a.rank - b.rank || a.request_id.localeCompare(b.request_id)).map((match) => match.request_id);
  };

  it('keeps each request’s subject, description and comments by visibility, its requester and its department after transfers', async () => {
    await project(store, searchHistory().events, { projections });
    expect(await rows()).toEqual([
      {
        request_id: 'r-1',
        doc_id: 1,
        revision: 2,
        requester_id: 'eva',
        department_id: 'it',
        subject: 'Printer on floor 3 jams',
        description: 'Paper gets stuck in tray two',
        public_comments: 'It started after the toner change',
        internal_comments: 'Vendor contract 4471, ask Zoë at Acme',
      },
      {
        request_id: 'r-2',
        doc_id: 2,
        revision: 1,
        requester_id: 'olga',
        department_id: 'shop',
        subject: 'Refund for order 1234',
        description: 'The printer I bought arrived broken',
        public_comments: '',
        internal_comments: 'Customer flagged as a fraud risk',
      },
      {
        request_id: 'r-3',
        doc_id: 3,
        revision: 1,
        requester_id: 'eva',
        department_id: 'it',
        subject: 'Parental leave',
        description: 'How many days do I get?',
        public_comments: '',
        internal_comments: '',
      },
    ]);
  });

  it('keeps the comments in the order they were made, each on its own paragraph', async () => {
    const history = searchHistory().request('r-1', comment('c-4', 'Still jammed this morning', 'public'), requester('eva'));
    await project(store, history.events, { projections });
    expect((await rows())[0].public_comments).toBe('It started after the toner change\n\nStill jammed this morning');
  });

  it('builds the same in batches of one as in one batch, and applying the events twice changes nothing', async () => {
    const events = searchHistory().events;
    await project(store, events, { projections, batchSize: 1 });
    const once = { rows: await rows(), printer: await search('printer'), vendor: await search('vendor') };
    await project(store, events, { projections });
    await project(store, events.slice(5), { projections, batchSize: 2 });
    expect({ rows: await rows(), printer: await search('printer'), vendor: await search('vendor') }).toEqual(once);
    const other = await open();
    try {
      await project(other, events, { projections });
      expect(await other.reader.selectFrom('request_search').selectAll().orderBy('request_id').execute()).toEqual(once.rows);
    } finally {
      await other.close();
    }
  });

  describe('searching', () => {
    beforeEach(async () => {
      await project(store, searchHistory().events, { projections });
    });

    it('ranks a match in the subject before one in the description', async () => {
      expect(await search('printer')).toEqual(['r-1', 'r-2']);
    });

    it('finds words by their beginning, phrases word after word, whatever the case and accents', async () => {
      expect(await search('print')).toEqual(['r-1', 'r-2']);
      expect(await search('"paper gets stuck"')).toEqual(['r-1']);
      expect(await search('"paper stuck"')).toEqual([]);
      expect(await search('"print"')).toEqual([]);
      expect(await search('ZOE')).toEqual(['r-1']);
      expect(await search('zoë acme')).toEqual(['r-1']);
      expect(await search('PRINTER broken')).toEqual(['r-2']);
      expect(await search('order-1234')).toEqual(['r-2']);
    });

    it('reads OR between two words and -word as leaving out', async () => {
      expect((await search('refund OR leave')).sort()).toEqual(['r-2', 'r-3']);
      expect(await search('printer -broken')).toEqual(['r-1']);
      expect(await search('printer -"arrived broken"')).toEqual(['r-1']);
    });

    it('finds staff-only words for staff only, and a requester only in their own requests', async () => {
      expect(await search('vendor')).toEqual(['r-1']);
      expect(await search('fraud')).toEqual(['r-2']);
      expect(await search('vendor', asRequester('eva'))).toEqual([]);
      expect(await search('fraud', asRequester('olga'))).toEqual([]);
      expect(await search('toner', asRequester('eva'))).toEqual(['r-1']);
      expect(await search('printer', asRequester('eva'))).toEqual(['r-1']);
      expect(await search('printer', asRequester('olga'))).toEqual(['r-2']);
      expect(await search('leave', asRequester('olga'))).toEqual([]);
    });

    it('never lets a staff-only word leave a request out of a requester’s search', async () => {
      expect(await search('printer -vendor')).toEqual(['r-2']);
      expect(await search('printer -vendor', asRequester('eva'))).toEqual(['r-1']);
      expect(await search('printer OR vendor', asRequester('eva'))).toEqual(['r-1']);
    });

    it('shows where each request matched: the field of most weight, a snippet and the words in it', async () => {
      const hits = await searchHits(store.reader, parseSearch('printer OR toner OR vendor'), staff, ['r-1', 'r-2', 'r-3']);
      expect(Object.fromEntries(hits)).toEqual({
        'r-1': { field: 'subject', snippet: 'Printer on floor 3 jams', highlights: [{ start: 0, end: 7 }] },
        'r-2': { field: 'description', snippet: 'The printer I bought arrived broken', highlights: [{ start: 4, end: 11 }] },
      });
      const vendor = await searchHits(store.reader, parseSearch('zoe'), staff, ['r-1']);
      expect(vendor.get('r-1')).toEqual({
        field: 'internalComments',
        snippet: 'Vendor contract 4471, ask Zoë at Acme',
        highlights: [{ start: 26, end: 29 }],
      });
      expect((await searchHits(store.reader, parseSearch('toner'), asRequester('eva'), ['r-1'])).get('r-1')).toEqual({
        field: 'comments',
        snippet: 'It started after the toner change',
        highlights: [{ start: 21, end: 26 }],
      });
      expect((await searchHits(store.reader, parseSearch('zoe'), asRequester('eva'), ['r-1'])).size).toBe(0);
    });

    it('turns any text into a search that runs, or refuses it as InvalidSearchError', async () => {
      const hostile = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc
          .array(
            fc.constantFrom(
              '"',
              "'",
              '*',
              '^',
              '-',
              '(',
              ')',
              ':',
              '{',
              '}',
              'NEAR',
              'NOT',
              'AND',
              'OR',
              'subject:',
              'internal_comments:',
              '\\',
              '&',
              '|',
              '!',
              '<->',
              ':*',
              'printer',
              'é',
              '𝔘',
              ' ',
              '\u0000',
            ),
            { maxLength: 30 },
          )
          .map((parts) => parts.join('')),
      );
      await fc.assert(
        fc.asyncProperty(hostile, fc.boolean(), async (q, asStaff) => {
          let query;
          try {
            query = parseSearch(q);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidSearchError);
            return;
          }
          const viewer = asStaff ? staff : asRequester('eva');
          await store.reader
            .selectFrom(searchMatches(store.reader, query, viewer).as('m'))
            .selectAll()
            .execute();
          await searchHits(store.reader, query, viewer, ['r-1', 'r-2', 'r-3']);
        }),
        { numRuns: 300 },
      );
    });
  });
});
