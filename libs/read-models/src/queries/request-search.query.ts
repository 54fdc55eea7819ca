import { sql, type AliasableExpression, type Kysely } from 'kysely';
import { SEARCH_FIELDS, tsLexeme, type SearchField } from '../projections/request-search/request-search.projection';
import { locatedWords, searchWords, type LocatedWord } from '../projections/request-search/search-text';
import type { ReadModelDb } from '../store/read-model-store';
import type { ReadModelTables } from '../store/read-model-tables';
import { isSqlite } from '../store/upsert';
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
/** PostgreSQL's ts_rank weights, in its order D, C, B, A: internal comments, public comments, description, subject. */
const TS_RANK_WEIGHTS = { staff: '{0.1,0.1,0.4,1}', requester: '{0,0.1,0.4,1}' } as const;

/** SQLite FTS5's query: every word quoted (no FTS5 operator or column filter can come from the text), the requester's search confined to the fields they may read. */
export function fts5Query(query: SearchQuery, viewer: SearchViewer): string {
  const phrase = (p: SearchPhrase) => `"${p.words.join(' ').replace(/"/g, '""')}"${p.prefix ? '*' : ''}`;
  const any = (phrases: SearchPhrase[]) => `(${phrases.map(phrase).join(' OR ')})`;
  let expression = query.groups.map(any).join(' AND ');
  if (query.excluded.length > 0) expression = `(${expression}) NOT ${any(query.excluded)}`;
  return viewer.role === 'staff' ? expression : `{${searchedFields(viewer).join(' ')}} : (${expression})`;
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

/**
 * The requests a search matches, as a query of (request_id, rank) to join on request_summaries (the list's other
 * filters apply there). A requester's search reads only their own requests. Ranks compare within one store only.
 */
export function searchMatches(db: Kysely<ReadModelTables>, query: SearchQuery, viewer: SearchViewer): AliasableExpression<SearchMatch> {
  const own = viewer.role === 'requester' ? sql`and s.requester_id = ${viewer.requesterId}` : sql``;
  if (isSqlite(db)) {
    const [subject, description, publicComments, internalComments] = BM25_WEIGHTS[viewer.role];
    return sql<SearchMatch>`(select s.request_id as request_id,
        bm25(request_search_fts, ${sql.lit(subject)}, ${sql.lit(description)}, ${sql.lit(publicComments)}, ${sql.lit(internalComments)}) as rank
      from request_search_fts join request_search s on s.doc_id = request_search_fts.rowid
      where request_search_fts match ${fts5Query(query, viewer)} ${own})`;
  }
  return sql<SearchMatch>`(select s.request_id as request_id,
      -(ts_rank(${sql.lit(TS_RANK_WEIGHTS[viewer.role])}::float4[], f.document, q.query, 1)::float8) as rank
    from (select ${tsqueryText(query, viewer)}::tsquery as query) q
      join request_search_fts f on f.document @@ q.query
      join request_search s on s.doc_id = f.doc_id
    where true ${own})`;
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
 * A page of the request list narrowed to the requests a search matches, each row with where it matched: by rank
 * (best first) with `rankOrder`, else in the list's chosen sort. A requester's search (viewer 'requester', with
 * their id as the filter's requesterId) reads their own requests and only what they may see of them.
 */
export async function searchRequestList(
  db: ReadModelDb,
  query: SearchQuery,
  filter: Omit<RequestListFilter, 'matches'>,
  rankOrder: boolean,
  now: Date,
  viewer: 'staff',
): Promise<RequestListPage<SearchedRow<RequestRow>>>;
export async function searchRequestList(
  db: ReadModelDb,
  query: SearchQuery,
  filter: Omit<RequestListFilter, 'matches'>,
  rankOrder: boolean,
  now: Date,
  viewer: 'requester',
): Promise<RequestListPage<SearchedRow<RequesterRequestRow>>>;
export async function searchRequestList(
  db: ReadModelDb,
  query: SearchQuery,
  filter: Omit<RequestListFilter, 'matches'>,
  rankOrder: boolean,
  now: Date,
  viewer: ListViewer,
): Promise<RequestListPage<SearchedRow<RequestRow | RequesterRequestRow>>>;
export async function searchRequestList(
  db: ReadModelDb,
  query: SearchQuery,
  filter: Omit<RequestListFilter, 'matches'>,
  rankOrder: boolean,
  now: Date,
  viewer: ListViewer,
): Promise<RequestListPage<SearchedRow<RequestRow | RequesterRequestRow>>> {
  if (viewer === 'requester' && filter.requesterId === undefined) throw new TypeError("a requester's search names the requester");
  const searcher: SearchViewer = viewer === 'requester' ? { role: 'requester', requesterId: filter.requesterId! } : { role: 'staff' };
  const page = await requestList(db, { ...filter, matches: { matches: searchMatches(db, query, searcher), rankOrder } }, now, viewer);
  const hits = await searchHits(
    db,
    query,
    searcher,
    page.items.map((item) => item.requestId),
  );
  return { ...page, items: page.items.map((item) => ({ ...item, match: hits.get(item.requestId) ?? null })) };
}
