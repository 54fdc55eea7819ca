import { sql, type Kysely, type Transaction } from 'kysely';
import { isEventOf } from '@desk/domain';
import type { LoggedEvent } from '../../runner/logged-event';
import type { Projection } from '../../runner/projection';
import type { ReadModelTables, RequestSearchRow } from '../../store/read-model-tables';
import { isSqlite, rowsByKey, upsertRows } from '../../store/upsert';
import { takeTurn, turnDue } from '../../runner/event-loop-turns';
import { evolveSearchDocument, SEARCH_EVENT_TYPES } from './request-search.evolve';
import { searchWords } from './search-text';

/** The fields of a request search reads, in the order of their weight; the last is for staff only. */
export const SEARCH_FIELDS = ['subject', 'description', 'public_comments', 'internal_comments'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/** PostgreSQL's weight of each field's words: A (subject) to D (internal comments). */
export const FIELD_WEIGHTS: Readonly<Record<SearchField, 'A' | 'B' | 'C' | 'D'>> = {
  subject: 'A',
  description: 'B',
  public_comments: 'C',
  internal_comments: 'D',
};

/** PostgreSQL keeps word positions up to this one (later ones are counted as this one). */
const MAX_POSITION = 16_383;
/** Rows per statement writing PostgreSQL's index. */
const INDEX_CHUNK = 500;

/**
 * Full-text search over requests: per request its subject, description and
 * comments (public and internal apart, so a requester's search never reads
 * staff text), its requester and department, and a full-text index of the
 * words (search-text.ts) on each store: an FTS5 table on SQLite (a column
 * per field, ranked with bm25), a tsvector with a weight per field and a GIN
 * index on PostgreSQL (ranked with ts_rank). The other filters of the request
 * list are applied by joining request_summaries.
 */
export class RequestSearchProjection implements Projection {
  readonly name = 'request-search';
  // 2: SQLite's index also holds each request's requester (requesterToken), so a requester's search reads only their own.
  readonly version: number = 2;
  readonly eventTypes: ReadonlySet<string> = new Set<string>(SEARCH_EVENT_TYPES);
  readonly tables = ['request_search', 'request_search_fts'] as const;

  async createTables(db: Kysely<ReadModelTables>): Promise<void> {
    await db.schema
      .createTable('request_search')
      .ifNotExists()
      .addColumn('request_id', 'text', (c) => c.primaryKey())
      .addColumn('doc_id', 'integer', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('requester_id', 'text', (c) => c.notNull())
      .addColumn('department_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('public_comments', 'text', (c) => c.notNull())
      .addColumn('internal_comments', 'text', (c) => c.notNull())
      .execute();
    // A batch numbers new documents after the highest: the projection reads it through this index.
    await db.schema.createIndex('request_search_doc').ifNotExists().unique().on('request_search').column('doc_id').execute();
    if (isSqlite(db)) {
      // Contentless: the text is in request_search, the index keeps only the words (rowid = doc_id). The last column
      // holds the requester as one token: ANDed with a requester's search, FTS5 ranks their own requests alone.
      await sql`create virtual table if not exists ${sql.table('request_search_fts')} using fts5(
        subject, description, public_comments, internal_comments, requester,
        content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
      )`.execute(db);
      return;
    }
    await db.schema
      .createTable('request_search_fts')
      .ifNotExists()
      .addColumn('doc_id', 'integer', (c) => c.primaryKey())
      .addColumn('document', sql`tsvector`, (c) => c.notNull())
      .execute();
  }

  async createIndexes(db: Kysely<ReadModelTables>): Promise<void> {
    // A requester's search reads their own requests only.
    await db.schema.createIndex('request_search_requester').ifNotExists().on('request_search').column('requester_id').execute();
    if (isSqlite(db)) return;
    await db.schema
      .createIndex('request_search_fts_document')
      .ifNotExists()
      .on('request_search_fts')
      .using('gin')
      .column('document')
      .execute();
  }

  async apply(trx: Transaction<ReadModelTables>, events: LoggedEvent[]): Promise<void> {
    const ids = new Set<string>();
    for (const event of events) if (isEventOf('request', event)) ids.add(event.data.requestId);
    const rows = new Map((await rowsByKey(trx, 'request_search', 'request_id', [...ids])).map((row) => [row.request_id, row]));
    let lastDocId: number | undefined;
    const nextDocId = () => {
      // Numbered after the highest in the table, read once per batch: the batch's transaction holds the write lock.
      lastDocId = (lastDocId ?? 0) + 1;
      return lastDocId;
    };
    const changed = new Set<string>();
    const reindex = new Set<string>();
    for (const event of events) {
      if (turnDue()) await takeTurn();
      if (!isEventOf('request', event)) continue;
      const id = event.data.requestId;
      if (event.type === 'RequestOpened' && !rows.has(id) && lastDocId === undefined) lastDocId = await highestDocId(trx);
      const change = evolveSearchDocument(rows.get(id), event, Number(event.revision), nextDocId);
      if (!change) continue;
      rows.set(id, change.row);
      changed.add(id);
      if (change.textChanged) reindex.add(id);
    }
    await upsertRows(
      trx,
      'request_search',
      ['request_id'],
      [...changed].map((id) => rows.get(id)!),
    );
    await writeIndex(
      trx,
      [...reindex].map((id) => rows.get(id)!),
    );
  }
}

async function highestDocId(trx: Transaction<ReadModelTables>): Promise<number> {
  const row = await trx
    .selectFrom('request_search')
    .select((eb) => eb.fn.max('doc_id').as('last'))
    .executeTakeFirst();
  return Number(row?.last ?? 0);
}

/** Writes the index rows of these search rows anew. */
async function writeIndex(trx: Transaction<ReadModelTables>, rows: readonly RequestSearchRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (isSqlite(trx)) {
    for (const row of rows) {
      const [subject, description, publicComments, internalComments] = SEARCH_FIELDS.map((field) => searchWords(row[field]).join(' '));
      await sql`insert or replace into ${sql.table('request_search_fts')} (rowid, subject, description, public_comments, internal_comments, requester)
        values (${row.doc_id}, ${subject}, ${description}, ${publicComments}, ${internalComments}, ${requesterToken(row.requester_id)})`.execute(
        trx,
      );
      if (turnDue()) await takeTurn();
    }
    return;
  }
  for (let start = 0; start < rows.length; start += INDEX_CHUNK) {
    const chunk = rows.slice(start, start + INDEX_CHUNK).map((row) => ({ doc_id: row.doc_id, document: tsvectorText(row) }));
    await sql`insert into ${sql.table('request_search_fts')} (doc_id, document)
      select doc_id, document::tsvector from json_to_recordset(${JSON.stringify(chunk)}) as x(doc_id integer, document text)
      on conflict (doc_id) do update set document = excluded.document`.execute(trx);
  }
}

/**
 * A requester id as the one word SQLite's index holds it as: its UTF-8 bytes in hex behind a letter, so no two ids
 * share a token and the tokenizer cannot split one (an id's own punctuation would).
 */
export function requesterToken(requesterId: string): string {
  return `r${Buffer.from(requesterId, 'utf8').toString('hex')}`;
}

/**
 * A row's words as PostgreSQL's tsvector input: each word with its positions and its field's weight, positions
 * running through the fields in order with a gap between two fields (a phrase never runs from one into the next).
 * Built here rather than by to_tsvector, so PostgreSQL indexes exactly the words SQLite does.
 */
export function tsvectorText(row: Pick<RequestSearchRow, SearchField>): string {
  const positions = new Map<string, string[]>();
  let position = 0;
  for (const field of SEARCH_FIELDS) {
    const weight = FIELD_WEIGHTS[field];
    for (const word of searchWords(row[field])) {
      position = Math.min(position + 1, MAX_POSITION);
      const list = positions.get(word);
      if (list) list.push(`${position}${weight}`);
      else positions.set(word, [`${position}${weight}`]);
    }
    position = Math.min(position + 1, MAX_POSITION);
  }
  return [...positions].map(([word, at]) => `${tsLexeme(word)}:${at.join(',')}`).join(' ');
}

/** A word quoted for tsvector and tsquery input (words are letters and digits only; quoting keeps it so whatever they hold). */
export function tsLexeme(word: string): string {
  return `'${word.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
