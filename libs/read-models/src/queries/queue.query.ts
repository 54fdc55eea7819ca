import { sql, type Expression } from 'kysely';
import type { Audience, Priority, RequestStatus } from '@desk/domain';
import type { ReadModelQueries } from '../store/read-model-store';
import { afterKeyset, decodeCursor, encodeCursor } from './cursor';
import { DUE_EXPRESSION, EFFECTIVE_RANK_EXPRESSION, requestRows, type RequestRow } from './request-row';

export interface QueueFilter {
  statuses?: RequestStatus[];
  /** An agent id, or null for unassigned requests only. */
  assigneeId?: string | null;
  audiences?: Audience[];
  priorities?: Priority[];
  effectivePriorities?: Priority[];
  limit: number;
  cursor?: string;
}

/** A queue item is a request row (request-row.ts), as the request list shows it too. */
export type QueueItem = RequestRow;

export interface QueuePage {
  departmentId: string;
  /** The time SLA states were computed against. */
  asOf: string;
  items: QueueItem[];
  nextCursor: string | null;
}

export class InvalidCursorError extends Error {}

/**
 * A department's open requests, most urgent first: by effective priority
 * (raised by what the request blocks), then by due time, with keyset
 * pagination so that pages never skip nor repeat a request.
 */
export async function departmentQueue(db: ReadModelQueries, departmentId: string, filter: QueueFilter, now: Date): Promise<QueuePage> {
  const rank = EFFECTIVE_RANK_EXPRESSION;
  const due = DUE_EXPRESSION;
  const requestId = sql<string>`r.request_id`;

  // First the order alone, on narrow rows (a large queue sorts its keys, not its 60 columns), then the page's rows.
  let query = db
    .selectFrom('request_summaries as r')
    .leftJoin('impact_nodes as n', 'n.request_id', 'r.request_id')
    .select([requestId.as('request_id'), rank.as('sort_rank'), due.as('sort_due')])
    .where('r.department_id', '=', departmentId)
    .where('r.is_open', '=', 1);
  if (filter.statuses?.length) query = query.where('r.status', 'in', filter.statuses);
  if (filter.assigneeId === null) query = query.where('r.assignee_id', 'is', null);
  else if (filter.assigneeId !== undefined) query = query.where('r.assignee_id', '=', filter.assigneeId);
  if (filter.audiences?.length) query = query.where('r.audience', 'in', filter.audiences);
  if (filter.priorities?.length) query = query.where('r.priority', 'in', filter.priorities);
  if (filter.effectivePriorities?.length) {
    query = query.where(sql<string>`coalesce(n.effective_priority, r.priority)`, 'in', filter.effectivePriorities);
  }
  if (filter.cursor !== undefined) {
    const last = decodeCursor(filter.cursor, ['number', 'string', 'string']);
    if (!last) throw new InvalidCursorError('cursor: not a cursor of this queue');
    const keys: { expression: Expression<unknown>; direction: 'asc'; value: string | number }[] = [
      { expression: rank, direction: 'asc', value: last[0] },
      { expression: due, direction: 'asc', value: last[1] },
      { expression: requestId, direction: 'asc', value: last[2] },
    ];
    query = query.where((eb) => afterKeyset(eb, keys));
  }
  const order = await query
    .orderBy(rank)
    .orderBy(due)
    .orderBy(requestId)
    .limit(filter.limit + 1)
    .execute();
  const page = order.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    departmentId,
    asOf: now.toISOString(),
    items: await requestRows(
      db,
      page.map((row) => row.request_id),
      now,
    ),
    nextCursor: order.length > filter.limit && last ? encodeCursor([Number(last.sort_rank), last.sort_due, last.request_id]) : null,
  };
}
