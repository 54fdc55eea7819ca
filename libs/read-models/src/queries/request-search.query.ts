import { sql, type AliasableExpression, type Kysely } from 'kysely';
import { requesterToken, SEARCH_FIELDS, tsLexeme, type SearchField } from '../projections/request-search/request-search.projection';
import { locatedWords, searchWords, type LocatedWord } from '../projections/request-search/search-text';
import type { ReadModelDb } from '../store/read-model-store';
import type { ReadModelTables } from '../store/read-model-tables';
import { isSqlite } from '../store/upsert';
import { decodeCursor, encodeCursor } from './cursor';
import { InvalidCursorError } from './queue.query';
import { requestList, type ListViewer, type RequesterRequestRow, type RequestListFilter, type RequestListPage } from './request-list.query';
import type { RequestRow } from './request-row';

/** Longest search text, in characters. */
export const MAX_SEARCH_LENGTH = 200;
/** Most words and phrases (each counts once, excluded ones too) in one search. */
export const MAX_SEARCH_TERMS = 12;

/** A search text that searches for nothing, or for too much: a 400 naming `q`. */
export class InvalidSearchError extends Error {}

/**
 * Words that must stand one after the other in one field. A bare word matches the words it begins ("print" finds
 * "printer"); a bare chunk that holds several words ("e-mail", "user@example.com") is a phrase whose last word is
 * such a beginning; a quoted phrase matches its words exactly.
 */
export interface SearchPhrase {
  words: string[];
  /** The last word matches the words it begins. */
  prefix: boolean;
}

/**
 * A parsed search, the same on both stores: every group must match (AND), a group matches when one of its phrases
 * does (OR), and no excluded phrase may match.
 */
export interface SearchQuery {
  groups: SearchPhrase[][];
  excluded: SearchPhrase[];
}

/**
 * Reads a search text the way a web search box is read: words (each found as a word's beginning), "quoted phrases",
 * OR between two of them, -word or -"phrase" to leave out the requests that hold it. Any other character only
 * separates words, so no text can make a syntax error: what cannot be searched for is a 400 that says why.
 */
export function parseSearch(text: string): SearchQuery {
  if (text.length > MAX_SEARCH_LENGTH) throw new InvalidSearchError(`q: must have at most ${MAX_SEARCH_LENGTH} characters`);
  const groups: SearchPhrase[][] = [];
  const excluded: SearchPhrase[] = [];
  let terms = 0;
  /** After a phrase looked for and OR: the next phrase looked for joins its group. */
  let joinNext = false;
  let afterGroup = false;
  const chunk = /(-?)"([^"]*)"?|(\S+)/gu;
  for (let found = chunk.exec(text); found; found = chunk.exec(text)) {
    const [, minus, quoted, bare] = found;
    if (bare === 'OR') {
      joinNext = afterGroup;
      afterGroup = false;
      continue;
    }
    const negated = minus === '-' || (bare !== undefined && bare.startsWith('-'));
    const words = searchWords(quoted ?? bare.replace(/^-+/, ''));
    if (words.length === 0) continue;
    terms++;
    if (terms > MAX_SEARCH_TERMS) throw new InvalidSearchError(`q: must have at most ${MAX_SEARCH_TERMS} words or phrases`);
    const phrase: SearchPhrase = { words, prefix: quoted === undefined };
    if (negated) excluded.push(phrase);
    else if (joinNext) groups[groups.length - 1].push(phrase);
    else groups.push([phrase]);
    joinNext = false;
    afterGroup = !negated;
  }
  if (groups.length === 0) {
    throw new InvalidSearchError(
      excluded.length > 0
        ? 'q: must have a word to look for, not only words to leave out (-word)'
        : 'q: must have a word to look for (letters or digits)',
    );
  }
  return { groups, excluded };
}

/** Who searches: staff search internal comments too, a requester only their own requests and what they may see of them. */
export type SearchViewer = { role: 'staff' } | { role: 'requester'; requesterId: string };

/** The fields a viewer's search reads, in the order of their weight. */
export function searchedFields(viewer: SearchViewer): readonly SearchField[] {
  return viewer.role === 'staff' ? SEARCH_FIELDS : SEARCH_FIELDS.filter((field) => field !== 'internal_comments');
}

/**
 * SQLite's bm25 weights of subject, description, public and internal comments (internal ones count for staff only).
 * FTS5 normalizes by the length of the whole row, not of the field, so a subject's word must weigh well above a
 * description's for a long conversation not to outrank it.
 */
const BM25_WEIGHTS = { staff: [10, 4, 1, 1], requester: [10, 4, 1, 0] } as const;
/** The requester column of SQLite's index narrows a requester's search to their own requests and weighs nothing. */
const REQUESTER_WEIGHT = 0;
/** PostgreSQL's ts_rank weights, in its order D, C, B, A: internal comments, public comments, description, subject. */
const TS_RANK_WEIGHTS = { staff: '{0.1,0.1,0.4,1}', requester: '{0,0.1,0.4,1}' } as const;

/**
 * SQLite FTS5's query: every word quoted (no FTS5 operator or column filter can come from the text), the requester's
 * search confined to the fields they may read and to their own requests (the requester column).
 */
export function fts5Query(query: SearchQuery, viewer: SearchViewer): string {
  const phrase = (p: SearchPhrase) => `"${p.words.join(' ').replace(/"/g, '""')}"${p.prefix ? '*' : ''}`;
  const any = (phrases: SearchPhrase[]) => `(${phrases.map(phrase).join(' OR ')})`;
  let expression = query.groups.map(any).join(' AND ');
  if (query.excluded.length > 0) expression = `(${expression}) NOT ${any(query.excluded)}`;
  if (viewer.role === 'staff') return `{${searchedFields(viewer).join(' ')}} : (${expression})`;
  return `{requester} : "${requesterToken(viewer.requesterId)}" AND {${searchedFields(viewer).join(' ')}} : (${expression})`;
}

/** PostgreSQL's tsquery input: lexemes quoted, a requester's restricted to the weights of the fields they may read (A, B, C). */
export function tsqueryText(query: SearchQuery, viewer: SearchViewer): string {
  const weights = viewer.role === 'staff' ? '' : 'ABC';
  const lexeme = (word: string, prefix: boolean) => {
    const label = `${prefix ? '*' : ''}${weights}`;
    return label === '' ? tsLexeme(word) : `${tsLexeme(word)}:${label}`;
  };
  const phrase = (p: SearchPhrase) =>
    `(${p.words.map((word, index) => lexeme(word, p.prefix && index === p.words.length - 1)).join(' <-> ')})`;
  const any = (phrases: SearchPhrase[]) => `(${phrases.map(phrase).join(' | ')})`;
  const expression = query.groups.map(any).join(' & ');
  return query.excluded.length > 0 ? `(${expression}) & !${any(query.excluded)}` : expression;
}

/** The requests a search matches, each with its rank: smaller is better (bm25 on SQLite, minus ts_rank on PostgreSQL). */
export interface SearchMatch {
  request_id: string;
  rank: number;
}

/** A range of the index's documents (doc_id from … to, both included): the ones a search ranks at once. */
export interface DocRange {
  from: number;
  to: number;
}

/**
 * The requests a search matches, as a query of (request_id, rank) to join on request_summaries (the list's other
 * filters apply there), within `docs` if given. A requester's search reads only their own requests. Ranks compare
 * within one store only.
 */
export function searchMatches(
  db: Kysely<ReadModelTables>,
  query: SearchQuery,
  viewer: SearchViewer,
  docs?: DocRange,
): AliasableExpression<SearchMatch> {
  const own = viewer.role === 'requester' ? sql`and s.requester_id = ${viewer.requesterId}` : sql``;
  if (isSqlite(db)) {
    const [subject, description, publicComments, internalComments] = BM25_WEIGHTS[viewer.role];
    const within = docs ? sql`and request_search_fts.rowid between ${docs.from} and ${docs.to}` : sql``;
    return sql<SearchMatch>`(select s.request_id as request_id,
        bm25(request_search_fts, ${sql.lit(subject)}, ${sql.lit(description)}, ${sql.lit(publicComments)}, ${sql.lit(internalComments)},
          ${sql.lit(REQUESTER_WEIGHT)}) as rank
      from request_search_fts join request_search s on s.doc_id = request_search_fts.rowid
      where request_search_fts match ${fts5Query(query, viewer)} ${within} ${own})`;
  }
  const within = docs ? sql`and f.doc_id between ${docs.from} and ${docs.to}` : sql``;
  return sql<SearchMatch>`(select s.request_id as request_id,
      -(ts_rank(${sql.lit(TS_RANK_WEIGHTS[viewer.role])}::float4[], f.document, q.query, 1)::float8) as rank
    from (select ${tsqueryText(query, viewer)}::tsquery as query) q
      join request_search_fts f on f.document @@ q.query
      join request_search s on s.doc_id = f.doc_id
    where true ${within} ${own})`;
}

/**
 * How many requests a search matches, counted up to `cap` (cap means at least that many): what it costs to rank
 * them, since both stores rank every match before the best can be picked.
 */
async function countMatchesUpTo(db: ReadModelDb, query: SearchQuery, viewer: SearchViewer, cap: number): Promise<number> {
  if (isSqlite(db)) {
    const { rows } = await sql<{ matches: number }>`select count(*) as matches from (
        select 1 from request_search_fts where request_search_fts match ${fts5Query(query, viewer)} limit ${cap})`.execute(db);
    return Number(rows[0]?.matches ?? 0);
  }
  const own = viewer.role === 'requester' ? sql`where s.requester_id = ${viewer.requesterId}` : sql``;
  const { rows } = await sql<{ matches: number }>`select count(*)::int as matches from (
      select 1 from (select ${tsqueryText(query, viewer)}::tsquery as query) q
        join request_search_fts f on f.document @@ q.query
        join request_search s on s.doc_id = f.doc_id
      ${own} limit ${cap}) m`.execute(db);
  return Number(rows[0]?.matches ?? 0);
}

async function highestDocId(db: ReadModelDb): Promise<number> {
  const row = await db
    .selectFrom('request_search')
    .select((eb) => eb.fn.max('doc_id').as('last'))
    .executeTakeFirst();
  return Number(row?.last ?? 0);
}

/** The fields a hit names: `comments` are public ones; `internalComments` are found for staff only. */
export const SEARCH_HIT_FIELDS = ['subject', 'description', 'comments', 'internalComments'] as const;

/** Where a search matched a request, for the list row: the field of most weight that holds a word searched for, and a snippet of it. */
export interface SearchHit {
  field: (typeof SEARCH_HIT_FIELDS)[number];
  /** Up to about SNIPPET_WORDS words of that field around the first match, with … where it was cut. */
  snippet: string;
  /** The matched words within the snippet, as UTF-16 offsets [start, end). */
  highlights: { start: number; end: number }[];
}

const FIELD_NAMES: Readonly<Record<SearchField, SearchHit['field']>> = {
  subject: 'subject',
  description: 'description',
  public_comments: 'comments',
  internal_comments: 'internalComments',
};

/** Words a snippet shows around its first match. */
export const SNIPPET_WORDS = 24;

/** The hit of each request a search matched (ids of requests it did not match are left out), for the viewer. */
export async function searchHits(
  db: ReadModelDb,
  query: SearchQuery,
  viewer: SearchViewer,
  requestIds: readonly string[],
): Promise<Map<string, SearchHit>> {
  const hits = new Map<string, SearchHit>();
  if (requestIds.length === 0) return hits;
  const fields = searchedFields(viewer);
  const rows = await db
    .selectFrom('request_search')
    .select(['request_id', ...fields])
    .where('request_id', 'in', [...requestIds])
    .execute();
  for (const row of rows) {
    const hit = searchHit(query, fields, row as Pick<ReadModelTables['request_search'], SearchField>);
    if (hit) hits.set(row.request_id, hit);
  }
  return hits;
}

/** The field of most weight among `fields` that holds a phrase searched for (excluded ones aside), with its snippet. */
export function searchHit(
  query: SearchQuery,
  fields: readonly SearchField[],
  texts: Partial<Record<SearchField, string>>,
): SearchHit | null {
  const phrases = query.groups.flat();
  for (const field of fields) {
    const text = texts[field] ?? '';
    const words = locatedWords(text);
    const matched: { from: number; to: number }[] = [];
    for (let at = 0; at < words.length; at++) {
      for (const phrase of phrases) {
        if (phraseAt(words, at, phrase)) matched.push({ from: at, to: at + phrase.words.length - 1 });
      }
    }
    if (matched.length === 0) continue;
    return { field: FIELD_NAMES[field], ...snippet(text, words, matched) };
  }
  return null;
}

function phraseAt(words: readonly LocatedWord[], at: number, phrase: SearchPhrase): boolean {
  if (at + phrase.words.length > words.length) return false;
  return phrase.words.every((word, index) => {
    const candidate = words[at + index].word;
    return phrase.prefix && index === phrase.words.length - 1 ? candidate.startsWith(word) : candidate === word;
  });
}

function snippet(
  text: string,
  words: readonly LocatedWord[],
  matched: readonly { from: number; to: number }[],
): Pick<SearchHit, 'snippet' | 'highlights'> {
  const first = matched[0];
  const fromWord = Math.max(0, first.from - Math.floor(SNIPPET_WORDS / 3));
  const toWord = Math.min(words.length - 1, Math.max(first.to, fromWord + SNIPPET_WORDS - 1));
  const start = fromWord === 0 ? 0 : words[fromWord].start;
  const end = toWord === words.length - 1 ? text.length : words[toWord].end;
  const lead = start > 0 ? '…' : '';
  const body = text.slice(start, end).replace(/\s+/g, ' ');
  const highlights: { start: number; end: number }[] = [];
  for (const { from, to } of matched) {
    if (from < fromWord || to > toWord) continue;
    // Offsets in the snippet: whitespace runs are one space there, so count the original prefix as the snippet shows it.
    const offset = (at: number) => lead.length + text.slice(start, at).replace(/\s+/g, ' ').length;
    const range = { start: offset(words[from].start), end: offset(words[to].end) };
    if (!highlights.some((h) => h.start === range.start)) highlights.push(range);
  }
  highlights.sort((a, b) => a.start - b.start);
  return { snippet: `${lead}${body}${end < text.length ? '…' : ''}`, highlights };
}

/** A list row found by a search: where it matched (null in the rare case no field holds the words as this code reads them). */
export type SearchedRow<Row> = Row & { match: SearchHit | null };

/**
 * Matches a search ranks at once. Both stores score every match before picking the best (bm25 reads each match's
 * positions and lengths: about 0.5-1 µs a match on SQLite), so a word most requests hold would cost the whole
 * index per page; beyond this many matches the ranking is by ranges of documents instead, the newest this many,
 * each older range twice as wide as the one before it.
 */
export const RANKED_AT_ONCE = 4_096;

/** A page of a search: a page of the list, and how its order was ranked. */
export type SearchPage<Row> = RequestListPage<SearchedRow<Row>> & {
  /**
   * Null: every match was ranked against every other. A number N: the search matched more than N requests, so
   * matches are ranked within ranges of documents (the order requests were first indexed in), newest range first:
   * the newest N documents, then each older range twice as wide as the one before it.
   */
  rankedWithin: number | null;
};

/**
 * A page of the request list narrowed to the requests a search matches, each row with where it matched: by rank
 * (best first) with `rankOrder`, else in the list's chosen sort. A requester's search (viewer 'requester', with
 * their id as the filter's requesterId) reads their own requests and only what they may see of them.
 *
 * Ranked, a search that matches more than RANKED_AT_ONCE requests is ranked a range of documents at a time,
 * newest first: a page costs what ranking RANKED_AT_ONCE matches costs, where ranking them all grows with the whole
 * history. Each older range is twice as wide as the one before it, so a page the list's other filters leave short
 * (a department's, a requester's) costs a few ranges, at most what ranking every match once costs, not one query per
 * RANKED_AT_ONCE documents of the history. Words held by that many requests are weighed next to nothing by bm25, so
 * the newest of them first is also the more useful order.
 */
export async function searchRequestList(
  db: ReadModelDb,
  query: SearchQuery,
  filter: Omit<RequestListFilter, 'matches'>,
  rankOrder: boolean,
  now: Date,
  viewer: 'staff',
  rankedAtOnce?: number,
): Promise<SearchPage<RequestRow>>;
export async function searchRequestList(
  db: ReadModelDb,
  query: SearchQuery,
  filter: Omit<RequestListFilter, 'matches'>,
  rankOrder: boolean,
  now: Date,
  viewer: 'requester',
  rankedAtOnce?: number,
): Promise<SearchPage<RequesterRequestRow>>;
export async function searchRequestList(
  db: ReadModelDb,
  query: SearchQuery,
  filter: Omit<RequestListFilter, 'matches'>,
  rankOrder: boolean,
  now: Date,
  viewer: ListViewer,
  rankedAtOnce?: number,
): Promise<SearchPage<RequestRow | RequesterRequestRow>>;
export async function searchRequestList(
  db: ReadModelDb,
  query: SearchQuery,
  filter: Omit<RequestListFilter, 'matches'>,
  rankOrder: boolean,
  now: Date,
  viewer: ListViewer,
  rankedAtOnce = RANKED_AT_ONCE,
): Promise<SearchPage<RequestRow | RequesterRequestRow>> {
  if (viewer === 'requester' && filter.requesterId === undefined) throw new TypeError("a requester's search names the requester");
  const searcher: SearchViewer = viewer === 'requester' ? { role: 'requester', requesterId: filter.requesterId! } : { role: 'staff' };
  const ranged = rankOrder ? await rangedStart(db, query, searcher, filter.cursor, rankedAtOnce) : null;
  const page: RankedPage = ranged
    ? await rankByRanges(db, query, searcher, filter, ranged, now, viewer, rankedAtOnce)
    : {
        ...(await requestList(db, { ...filter, matches: { matches: searchMatches(db, query, searcher), rankOrder } }, now, viewer)),
        rankedWithin: null,
      };
  const hits = await searchHits(
    db,
    query,
    searcher,
    page.items.map((item) => item.requestId),
  );
  return { ...page, items: page.items.map((item) => ({ ...item, match: hits.get(item.requestId) ?? null })) };
}

/** A search's page before its rows are told where they matched. */
type RankedPage = RequestListPage<RequestRow | RequesterRequestRow> & Pick<SearchPage<unknown>, 'rankedWithin'>;

/** Where a search ranked by ranges goes on: its range (the newest document of it, and its width) and the list's cursor within it. */
interface RangedStart {
  to: number;
  width: number;
  within: string | undefined;
}

/** The tag of a cursor of a search ranked by ranges, beside the range it goes on in and the list's cursor there. */
const RANGED = 'rank-by-range';

/**
 * Where a search ranked by ranges starts: its cursor's place, or the newest range when the search matches more than
 * RANKED_AT_ONCE requests; null when it is ranked all at once. A cursor of one kind is refused by the other.
 */
async function rangedStart(
  db: ReadModelDb,
  query: SearchQuery,
  viewer: SearchViewer,
  cursor: string | undefined,
  rankedAtOnce: number,
): Promise<RangedStart | null> {
  const decoded = cursor === undefined ? null : decodeCursor(cursor, ['string', 'number', 'number', 'string']);
  if (decoded && decoded[0] === RANGED && Number(decoded[1]) >= 0 && Number(decoded[2]) >= rankedAtOnce) {
    return { to: Number(decoded[1]), width: Number(decoded[2]), within: decoded[3] === '' ? undefined : String(decoded[3]) };
  }
  const ranksAll = (await countMatchesUpTo(db, query, viewer, rankedAtOnce + 1)) <= rankedAtOnce;
  if (ranksAll) return null;
  if (cursor !== undefined)
    throw new InvalidCursorError('cursor: not a cursor of this search (it now matches too many requests to rank all at once)');
  return { to: await highestDocId(db), width: rankedAtOnce, within: undefined };
}

/** A page of a search ranked a range at a time, newest range first, each twice as wide as the last, until the page is full or the ranges end. */
async function rankByRanges(
  db: ReadModelDb,
  query: SearchQuery,
  searcher: SearchViewer,
  filter: Omit<RequestListFilter, 'matches'>,
  start: RangedStart,
  now: Date,
  viewer: ListViewer,
  rankedAtOnce: number,
): Promise<RankedPage> {
  const items: (RequestRow | RequesterRequestRow)[] = [];
  let nextCursor: string | null = null;
  for (let { to, width } = start, first = true; to >= 0 && items.length < filter.limit; to -= width, width *= 2, first = false) {
    const docs = { from: Math.max(0, to - width + 1), to };
    const page = await requestList(
      db,
      {
        ...filter,
        limit: filter.limit - items.length,
        cursor: first ? start.within : undefined,
        matches: { matches: searchMatches(db, query, searcher, docs), rankOrder: true },
      },
      now,
      viewer,
    );
    items.push(...page.items);
    if (page.nextCursor !== null) nextCursor = encodeCursor([RANGED, to, width, page.nextCursor]);
    else if (items.length === filter.limit && docs.from > 0) nextCursor = encodeCursor([RANGED, docs.from - 1, width * 2, '']);
  }
  return {
    asOf: now.toISOString(),
    sort: 'rank',
    order: 'asc',
    items,
    nextCursor,
    rankedWithin: rankedAtOnce,
  };
}
