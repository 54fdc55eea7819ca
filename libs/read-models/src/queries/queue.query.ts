import { sql, type Expression } from 'kysely';
import type { Audience, Priority, RequestStatus } from '@desk/domain';
import type { ReadModelDb } from '../store/read-model-store';
import type { RequestSummaryRow } from '../store/read-model-tables';
import { afterKeyset, decodeCursor, encodeCursor } from './cursor';
import { SLA_COLUMNS, slaView, type SlaView } from './sla-state';

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

export interface BlockingRequest {
  requestId: string;
  relation: string;
  status: string;
  departmentId: string;
  subject: string;
}

export interface QueueItem {
  requestId: string;
  subject: string;
  status: string;
  priority: string;
  effectivePriority: string;
  audience: string;
  requesterId: string;
  requesterKind: string;
  exposedToExternal: boolean;
  assigneeId: string | null;
  tier: string;
  category: string | null;
  channel: string;
  openedAt: string;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  /** The earliest external due time downstream: the deadline this request inherits. */
  inheritedDeadline: string | null;
  /** What the queue sorts by after effective priority: the earlier of its own next due time and the inherited deadline. */
  dueAt: string | null;
  sla: SlaView;
  blockedBy: BlockingRequest[];
  blocksExternalRequests: number;
  blocksExternalCustomers: number;
  followUpOf: string | null;
}

export interface QueuePage {
  departmentId: string;
  /** The time SLA states were computed against. */
  asOf: string;
  items: QueueItem[];
  nextCursor: string | null;
}

export class InvalidCursorError extends Error {}

/** What a queue item shows of its request, besides its SLA. */
const ITEM_COLUMNS = [
  'request_id',
  'subject',
  'status',
  'priority',
  'audience',
  'requester_id',
  'requester_kind',
  'exposed_to_external',
  'assignee_id',
  'tier',
  'category',
  'channel',
  'opened_at',
  'follow_up_of',
] as const satisfies readonly (keyof RequestSummaryRow)[];

/** Sorts after every ISO time, so requests without a due time come last. */
const NO_DUE = '9999-12-31T23:59:59.999Z';

/**
 * A department's open requests, most urgent first: by effective priority
 * (raised by what the request blocks), then by due time, with keyset
 * pagination so that pages never skip nor repeat a request.
 */
export async function departmentQueue(db: ReadModelDb, departmentId: string, filter: QueueFilter, now: Date): Promise<QueuePage> {
  const rank = sql<number>`coalesce(n.effective_rank, r.priority_rank)`;
  const due = sql<string>`coalesce(case when n.inherited_deadline is not null and (r.next_due_at is null or n.inherited_deadline < r.next_due_at) then n.inherited_deadline else r.next_due_at end, ${NO_DUE})`;
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
  const wanted = order.slice(0, filter.limit);
  const full =
    wanted.length === 0
      ? []
      : await db
          .selectFrom('request_summaries as r')
          .leftJoin('impact_nodes as n', 'n.request_id', 'r.request_id')
          .select([...ITEM_COLUMNS, ...SLA_COLUMNS].map((column) => `r.${column}` as const))
          .select(['n.effective_priority', 'n.inherited_deadline', 'n.blocks_external_requests', 'n.blocks_external_customers'])
          .where(
            'r.request_id',
            'in',
            wanted.map((row) => row.request_id),
          )
          .execute();
  const byId = new Map(full.map((row) => [row.request_id, row]));
  const rows = order.map((key) => ({ ...byId.get(key.request_id)!, sort_rank: key.sort_rank, sort_due: key.sort_due }));
  const page = rows.slice(0, filter.limit).filter((row) => row.request_id !== undefined);
  const blockers = await blockersOf(
    db,
    page.map((row) => row.request_id),
  );
  const last = page[page.length - 1];
  return {
    departmentId,
    asOf: now.toISOString(),
    items: page.map((row) => {
      const summary = row as unknown as RequestSummaryRow;
      return {
        requestId: row.request_id,
        subject: row.subject,
        status: row.status,
        priority: row.priority,
        effectivePriority: row.effective_priority ?? row.priority,
        audience: row.audience,
        requesterId: row.requester_id,
        requesterKind: row.requester_kind,
        exposedToExternal: row.exposed_to_external === 1,
        assigneeId: row.assignee_id,
        tier: row.tier,
        category: row.category,
        channel: row.channel,
        openedAt: row.opened_at,
        firstResponseDueAt: row.first_response_due_at,
        resolutionDueAt: row.resolution_due_at,
        inheritedDeadline: row.inherited_deadline ?? null,
        dueAt: row.sort_due === NO_DUE ? null : row.sort_due,
        sla: slaView(summary, now),
        blockedBy: blockers.get(row.request_id) ?? [],
        blocksExternalRequests: Number(row.blocks_external_requests ?? 0),
        blocksExternalCustomers: Number(row.blocks_external_customers ?? 0),
        followUpOf: row.follow_up_of,
      };
    }),
    nextCursor: rows.length > filter.limit && last ? encodeCursor([Number(last.sort_rank), last.sort_due, last.request_id]) : null,
  };
}

/** The open requests that directly block each of these. */
async function blockersOf(db: ReadModelDb, ids: string[]): Promise<Map<string, BlockingRequest[]>> {
  const result = new Map<string, BlockingRequest[]>();
  if (ids.length === 0) return result;
  // Open causes are kept in code, not in SQL: a condition on c.is_open would let the planner start from every open
  // node (its index) and probe the links of each, thousands of probes for a page of 50, where the links of 50 ids are few.
  const rows = await db
    .selectFrom('impact_links as l')
    .innerJoin('impact_nodes as c', 'c.request_id', 'l.cause_id')
    .select(['l.effect_id', 'l.cause_id', 'l.relation', 'c.status', 'c.department_id', 'c.subject', 'c.is_open'])
    .where('l.effect_id', 'in', ids)
    .orderBy('l.cause_id')
    .execute();
  for (const row of rows) {
    if (Number(row.is_open) !== 1) continue;
    const list = result.get(row.effect_id) ?? [];
    list.push({
      requestId: row.cause_id,
      relation: row.relation,
      status: row.status,
      departmentId: row.department_id,
      subject: row.subject,
    });
    result.set(row.effect_id, list);
  }
  return result;
}
