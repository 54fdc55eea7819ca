import { sql } from 'kysely';
import type { ReadModelQueries } from '../store/read-model-store';
import type { RequestSummaryRow } from '../store/read-model-tables';
import { SLA_COLUMNS, slaView, type SlaView } from './sla-state';
import { tagsOf } from '../projections/request-summaries/request-summary.evolve';

export interface BlockingRequest {
  requestId: string;
  relation: string;
  status: string;
  departmentId: string;
  subject: string;
}

/**
 * One request as queues and the request list show it: everything a console
 * needs to draw the row without a second call (names from the directory).
 * The one mapping from the read models to it is `requestRows`; queue pages
 * and list pages both use it. A requester sees only the fields the requester
 * view names (requester-view.ts: no hold note, tier, tags, SLA measurements
 * or other requests).
 */
export interface RequestRow {
  requestId: string;
  subject: string;
  status: string;
  priority: string;
  effectivePriority: string;
  audience: string;
  departmentId: string;
  /** Null when the department is not in the read models (never registered through this desk's log). */
  departmentName: string | null;
  requesterId: string;
  /** From the directory; null when the requester is not in it (registered before it existed, or elsewhere). */
  requesterName: string | null;
  requesterKind: string;
  exposedToExternal: boolean;
  assigneeId: string | null;
  /** From the directory; null when unassigned or the agent is not in it. */
  assigneeName: string | null;
  tier: string;
  category: string | null;
  channel: string;
  openedAt: string;
  /** Business time of the last change to the request's summary (the event's occurredAt). */
  updatedAt: string;
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
  /** While on hold: why (awaiting_requester, awaiting_third_party, blocked_by_request), since when, and the staff's note. */
  holdReason: string | null;
  heldAt: string | null;
  holdNote: string | null;
  /** Its tags, in the order they were added. */
  tags: string[];
}

/** What a row reads of request_summaries, besides its SLA. */
const ROW_COLUMNS = [
  'request_id',
  'subject',
  'status',
  'priority',
  'audience',
  'department_id',
  'requester_id',
  'requester_kind',
  'exposed_to_external',
  'assignee_id',
  'tier',
  'category',
  'channel',
  'opened_at',
  'last_event_at',
  'next_due_at',
  'follow_up_of',
  'hold_reason',
  'hold_note',
  'held_at',
  'tags',
] as const satisfies readonly (keyof RequestSummaryRow)[];

/** Sorts after every ISO time, so requests without a due time come last. */
export const NO_DUE = '9999-12-31T23:59:59.999Z';

/**
 * The due time a row shows and queues sort by: the earlier of the request's own next due time and the deadline it
 * inherits from what it blocks, NO_DUE when it has neither. Over `request_summaries as r` left-joined to `impact_nodes as n`.
 */
export const DUE_EXPRESSION = sql<string>`coalesce(case when n.inherited_deadline is not null and (r.next_due_at is null or n.inherited_deadline < r.next_due_at) then n.inherited_deadline else r.next_due_at end, ${NO_DUE})`;

/** Effective priority as a rank (critical 0 … low 3): raised by what the request blocks. Over `r` and `n` as above. */
export const EFFECTIVE_RANK_EXPRESSION = sql<number>`coalesce(n.effective_rank, r.priority_rank)`;

/** The rows of these requests, in the order given (ids not in the read models are left out), as staff see them. */
export async function requestRows(db: ReadModelQueries, ids: readonly string[], now: Date): Promise<RequestRow[]> {
  if (ids.length === 0) return [];
  const found = await db
    .selectFrom('request_summaries as r')
    .leftJoin('impact_nodes as n', 'n.request_id', 'r.request_id')
    .leftJoin('departments as d', 'd.department_id', 'r.department_id')
    .leftJoin('customers as c', 'c.customer_id', 'r.requester_id')
    .leftJoin('agents as a', 'a.agent_id', 'r.assignee_id')
    .select([...ROW_COLUMNS, ...SLA_COLUMNS].map((column) => `r.${column}` as const))
    .select(['n.effective_priority', 'n.inherited_deadline', 'n.blocks_external_requests', 'n.blocks_external_customers'])
    .select(['d.name as department_name', 'c.name as requester_name', 'a.name as assignee_name'])
    .select(DUE_EXPRESSION.as('due'))
    .where('r.request_id', 'in', [...ids])
    .execute();
  const byId = new Map(found.map((row) => [row.request_id, row]));
  const blockers = await blockersOf(db, ids);
  const rows: RequestRow[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) continue;
    rows.push({
      requestId: row.request_id,
      subject: row.subject,
      status: row.status,
      priority: row.priority,
      effectivePriority: row.effective_priority ?? row.priority,
      audience: row.audience,
      departmentId: row.department_id,
      departmentName: row.department_name ?? null,
      requesterId: row.requester_id,
      requesterName: row.requester_name ?? null,
      requesterKind: row.requester_kind,
      exposedToExternal: row.exposed_to_external === 1,
      assigneeId: row.assignee_id,
      assigneeName: row.assignee_name ?? null,
      tier: row.tier,
      category: row.category,
      channel: row.channel,
      openedAt: row.opened_at,
      updatedAt: row.last_event_at,
      firstResponseDueAt: row.first_response_due_at,
      resolutionDueAt: row.resolution_due_at,
      inheritedDeadline: row.inherited_deadline ?? null,
      dueAt: row.due === NO_DUE ? null : row.due,
      sla: slaView(row, now),
      blockedBy: blockers.get(row.request_id) ?? [],
      blocksExternalRequests: Number(row.blocks_external_requests ?? 0),
      blocksExternalCustomers: Number(row.blocks_external_customers ?? 0),
      followUpOf: row.follow_up_of,
      holdReason: row.hold_reason,
      heldAt: row.held_at,
      holdNote: row.hold_note,
      tags: tagsOf(row),
    });
  }
  return rows;
}

/** The open requests that directly block each of these. */
async function blockersOf(db: ReadModelQueries, ids: readonly string[]): Promise<Map<string, BlockingRequest[]>> {
  const result = new Map<string, BlockingRequest[]>();
  if (ids.length === 0) return result;
  // Open causes are kept in code, not in SQL: a condition on c.is_open would let the planner start from every open
  // node (its index) and probe the links of each, thousands of probes for a page of 50, where the links of 50 ids are few.
  const rows = await db
    .selectFrom('impact_links as l')
    .innerJoin('impact_nodes as c', 'c.request_id', 'l.cause_id')
    .select(['l.effect_id', 'l.cause_id', 'l.relation', 'c.status', 'c.department_id', 'c.subject', 'c.is_open'])
    .where('l.effect_id', 'in', [...ids])
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
