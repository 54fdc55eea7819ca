import { sql, type AliasableExpression, type SqlBool } from 'kysely';
import type { Audience, Priority, RequestStatus } from '@desk/domain';
import type { ReadModelQueries } from '../store/read-model-store';
import { decodeCursor, encodeCursor, type CursorValueType } from './cursor';
import { InvalidCursorError } from './queue.query';
import { DUE_EXPRESSION, EFFECTIVE_RANK_EXPRESSION, NO_DUE, requestRows, type RequestRow } from './request-row';
import { requesterPick, type RequesterRequestField } from './requester-view';

/** Who reads the list: staff see whole rows, a requester only the fields the requester view allows (requester-view.ts). */
export type ListViewer = 'staff' | 'requester';

/** A row as its requester sees it. */
export type RequesterRequestRow = Pick<RequestRow, Extract<keyof RequestRow, RequesterRequestField>>;

export const REQUEST_LIST_SORTS = ['updatedAt', 'openedAt', 'dueAt', 'effectivePriority'] as const;
export type RequestListSort = (typeof REQUEST_LIST_SORTS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/**
 * What narrows the list beside its filters, and may order it: e.g. the requests a full-text search matches, each
 * with its rank. `matches` is a query of (request_id, rank) the list joins on its rows; with `rankOrder` the page is
 * sorted by rank (smaller first) then request id instead of the chosen sort.
 */
export interface RequestListMatches {
  matches: AliasableExpression<{ request_id: string; rank: number }>;
  /** Sort by the matches' rank, smaller first. */
  rankOrder: boolean;
}

export interface RequestListFilter {
  statuses?: RequestStatus[];
  departmentIds?: string[];
  /** An agent id, or null for unassigned requests only. */
  assigneeId?: string | null;
  requesterId?: string;
  audiences?: Audience[];
  priorities?: Priority[];
  category?: string;
  /** Requests that carry this tag. */
  tag?: string;
  /** ISO times (UTC, as toISOString writes them): the last change strictly after / before. */
  updatedAfter?: string;
  updatedBefore?: string;
  sort: RequestListSort;
  order: SortOrder;
  limit: number;
  cursor?: string;
  matches?: RequestListMatches;
}

export interface RequestListPage<Row = RequestRow | RequesterRequestRow> {
  /** The time SLA states were computed against. */
  asOf: string;
  sort: RequestListSort | 'rank';
  order: SortOrder;
  items: Row[];
  nextCursor: string | null;
}

interface SortKey {
  expression: AliasableExpression<string | number>;
  /** The SQL direction of the key (effective priority descending is rank ascending: most urgent first). */
  direction: 'asc' | 'desc';
  type: CursorValueType;
  /** Whether the key reads impact_nodes (the list then joins it in its order query). */
  readsImpact: boolean;
}

/** Due times for a descending sort: requests without one still come last. */
const NO_DUE_DESCENDING = '';

function sortKey(sort: RequestListSort | 'rank', order: SortOrder): SortKey {
  switch (sort) {
    case 'updatedAt':
      return { expression: UPDATED_AT, direction: order, type: 'string', readsImpact: false };
    case 'openedAt':
      return { expression: sql<string>`r.opened_at`, direction: order, type: 'string', readsImpact: false };
    case 'dueAt':
      return {
        expression:
          order === 'asc'
            ? DUE_EXPRESSION
            : sql<string>`case when ${DUE_EXPRESSION} = ${NO_DUE} then ${NO_DUE_DESCENDING} else ${DUE_EXPRESSION} end`,
        direction: order,
        type: 'string',
        readsImpact: true,
      };
    case 'effectivePriority':
      return { expression: EFFECTIVE_RANK_EXPRESSION, direction: order === 'desc' ? 'asc' : 'desc', type: 'number', readsImpact: true };
    case 'rank':
      // A search's rank (bm25, or minus ts_rank) is any number: its cursor keeps it as it is.
      return { expression: sql<number>`m.rank`, direction: 'asc', type: 'real', readsImpact: false };
  }
}

/** The most branches a list of departments or statuses is split into (one index range each, merged). */
const MAX_BRANCHES = 20;

/**
 * Which filter leads the list's index: an equality on the first column of one of the list's indexes, the most
 * selective first (a requester's requests, an assignee's, a department's, a status's). The other indexed columns
 * are then compared in a form no index serves (`column || ''`), so that SQLite, which keeps no statistics here,
 * cannot choose a wider index than the leading one. A list of departments or statuses that leads is read as one
 * branch per value, each an index range in the list's order, merged: a page then reads at most limit + 1 rows of
 * each branch, however many requests the list's other values hold.
 */
type Lead = { column: 'requester_id' | 'assignee_id' | 'department_id' | 'status'; values: readonly (string | null)[] } | null;

function leadOf(filter: RequestListFilter, key: SortKey): Lead {
  // Only the updatedAt order is served by the per-column indexes; the other orders read their own index or sort.
  if (key.expression !== UPDATED_AT) return null;
  if (filter.requesterId !== undefined) return { column: 'requester_id', values: [filter.requesterId] };
  if (filter.assigneeId !== undefined) return { column: 'assignee_id', values: [filter.assigneeId] };
  if (filter.departmentIds?.length && filter.departmentIds.length <= MAX_BRANCHES)
    return { column: 'department_id', values: filter.departmentIds };
  if (filter.statuses?.length) return { column: 'status', values: filter.statuses };
  return null;
}

const UPDATED_AT = sql<string>`r.last_event_at`;

/**
 * The list's order alone, on narrow rows (id and sort value), filtered and after the cursor: what a page reads of
 * request_summaries. Its own function so that the query plans of the common shapes can be checked (the specs do).
 */
export function requestListOrder(db: ReadModelQueries, filter: RequestListFilter) {
  const sort: RequestListSort | 'rank' = filter.matches?.rankOrder ? 'rank' : filter.sort;
  const order: SortOrder = sort === 'rank' ? 'asc' : filter.order;
  const key = sortKey(sort, order);
  const requestId = sql<string>`r.request_id`;
  const lead = leadOf(filter, key);
  const unindexed = (column: string) => sql<string>`(${sql.ref(`r.${column}`)} || '')`;
  const column = (name: 'department_id' | 'status') => (lead === null || lead.column === name ? sql.ref(`r.${name}`) : unindexed(name));

  let last: (string | number)[] | undefined;
  if (filter.cursor !== undefined) {
    const decoded = decodeCursor(filter.cursor, ['string', 'string', key.type, 'string']);
    if (!decoded) throw new InvalidCursorError('cursor: not a cursor of this list');
    if (decoded[0] !== sort || decoded[1] !== order) {
      throw new InvalidCursorError(`cursor: a cursor of the ${String(decoded[0])} ${String(decoded[1])} order, not of ${sort} ${order}`);
    }
    last = decoded;
  }

  /** The filtered, ordered, limited query, from `source`; with `leading`, the lead column equal to that one value. */
  const branch = (source: ReadModelQueries, leading?: string | null) => {
    let query = source.selectFrom('request_summaries as r').select([requestId.as('request_id'), key.expression.as('sort_value')]);
    if (key.readsImpact) query = query.leftJoin('impact_nodes as n', 'n.request_id', 'r.request_id');
    if (filter.matches) query = query.innerJoin(filter.matches.matches.as('m'), (join) => join.onRef('m.request_id', '=', 'r.request_id'));
    const isLead = (name: string) => leading !== undefined && lead?.column === name;
    if (isLead('status')) query = query.where('r.status', '=', leading!);
    else if (filter.statuses?.length) query = query.where(column('status'), 'in', filter.statuses);
    if (isLead('department_id')) query = query.where('r.department_id', '=', leading!);
    else if (filter.departmentIds?.length) query = query.where(column('department_id'), 'in', filter.departmentIds);
    if (filter.assigneeId === null) query = query.where('r.assignee_id', 'is', null);
    else if (filter.assigneeId !== undefined) query = query.where('r.assignee_id', '=', filter.assigneeId);
    if (filter.requesterId !== undefined) query = query.where('r.requester_id', '=', filter.requesterId);
    if (filter.audiences?.length) query = query.where('r.audience', 'in', filter.audiences);
    if (filter.priorities?.length) query = query.where('r.priority', 'in', filter.priorities);
    if (filter.category !== undefined) query = query.where('r.category', '=', filter.category);
    if (filter.tag !== undefined) {
      const tag = filter.tag;
      query = query.where('r.request_id', 'in', (eb) => eb.selectFrom('request_tags as t').select('t.request_id').where('t.tag', '=', tag));
    }
    if (filter.updatedAfter !== undefined) query = query.where('r.last_event_at', '>', filter.updatedAfter);
    if (filter.updatedBefore !== undefined) query = query.where('r.last_event_at', '<', filter.updatedBefore);
    if (last) {
      // A row value comparison: both stores seek the index to the last row shown instead of scanning up to it.
      const beyond = key.direction === 'asc' ? sql.raw('>') : sql.raw('<');
      query = query.where(sql<SqlBool>`(${key.expression}, ${requestId}) ${beyond} (${last[2]}, ${last[3]})`);
    }
    return query
      .orderBy(key.expression, key.direction)
      .orderBy(requestId, key.direction)
      .limit(filter.limit + 1);
  };

  const query =
    lead && lead.values.length > 1 && (lead.column === 'department_id' || lead.column === 'status')
      ? db
          .selectFrom((eb) => {
            // The branches are subqueries of this one: built from its expression builder, they read the names it
            // defines (as of a time, its common table expressions) instead of each repeating them, which a union cannot.
            const inner = eb as unknown as ReadModelQueries;
            return lead.values
              .map((value, index) => inner.selectFrom(branch(inner, value).as(`b${index}`)).selectAll())
              .reduce((union, next) => union.unionAll(next))
              .as('u');
          })
          .selectAll()
          .orderBy('u.sort_value', key.direction)
          .orderBy('u.request_id', key.direction)
          .limit(filter.limit + 1)
      : branch(db, lead?.values.length === 1 ? lead.values[0] : undefined);
  return { sort, order, key, query };
}

/**
 * Every request, open or not, filtered and sorted, a page at a time. The order is (sort key, request id) in one
 * direction, so a keyset cursor (the last row's key and id, with the sort it belongs to) continues exactly after
 * the last row shown; a cursor of another sort or order is refused. Filters on the requester, the department, the
 * assignee and the status, with the default sort (updatedAt), run on indexes that end in (last_event_at,
 * request_id): a page costs the same with a thousand requests or a million.
 */
export async function requestList(
  db: ReadModelQueries,
  filter: RequestListFilter,
  now: Date,
  viewer: 'staff',
): Promise<RequestListPage<RequestRow>>;
export async function requestList(
  db: ReadModelQueries,
  filter: RequestListFilter,
  now: Date,
  viewer: 'requester',
): Promise<RequestListPage<RequesterRequestRow>>;
export async function requestList(db: ReadModelQueries, filter: RequestListFilter, now: Date, viewer: ListViewer): Promise<RequestListPage>;
export async function requestList(
  db: ReadModelQueries,
  filter: RequestListFilter,
  now: Date,
  viewer: ListViewer,
): Promise<RequestListPage> {
  const { sort, order, key, query } = requestListOrder(db, filter);
  const ordered = await query.execute();
  const page = ordered.slice(0, filter.limit);
  const last = page[page.length - 1];
  const rows = await requestRows(
    db,
    page.map((row) => row.request_id),
    now,
  );
  return {
    asOf: now.toISOString(),
    sort,
    order,
    items: viewer === 'requester' ? rows.map((row) => requesterPick(row)) : rows,
    nextCursor:
      ordered.length > filter.limit && last
        ? encodeCursor([sort, order, key.type === 'string' ? String(last.sort_value) : Number(last.sort_value), last.request_id])
        : null,
  };
}
