import { sql, type Expression } from 'kysely';
import type { ReadModelDb } from '../store/read-model-store';
import type { ImpactLinkRow, ImpactNodeRow } from '../store/read-model-tables';
import { afterKeyset, decodeCursor, encodeCursor, type KeysetKey } from './cursor';
import { InvalidCursorError } from './queue.query';

export interface ImpactRequestView {
  requestId: string;
  subject: string;
  departmentId: string;
  audience: string;
  requesterId: string;
  exposedToExternal: boolean;
  status: string;
  open: boolean;
  priority: string;
  effectivePriority: string;
  resolutionDueAt: string | null;
}

export interface ChainMember extends ImpactRequestView {
  /** Links from the request to this one: 1 for a direct cause or effect. */
  depth: number;
  /** The request one step nearer on the way (the request itself at depth 1). */
  via: string;
  relation: string;
  /** True while every link on the way holds: each request along it still open. */
  blocking: boolean;
}

export interface ImpactChain {
  request: ImpactRequestView;
  causes: ChainMember[];
  effects: ChainMember[];
  /** Through links that hold: open external requests downstream, and their distinct requesters. */
  externalRequestsAffected: number;
  externalCustomersAffected: number;
  /** The earliest resolution due time of an external request downstream: the deadline this request inherits. */
  inheritedDeadline: string | null;
  blocksRequests: number;
  blocksExposedRequests: number;
}

const MAX_DEPTH = 50;

/** A request's place in the impact chain: what it waits on, what waits on it, and what that means for external customers. */
export async function impactChain(db: ReadModelDb, requestId: string): Promise<ImpactChain | null> {
  const root = await db.selectFrom('impact_nodes').selectAll().where('request_id', '=', requestId).executeTakeFirst();
  if (!root) return null;
  const effects = await walk(db, root, 'down');
  const causes = await walk(db, root, 'up');
  return {
    request: view(root),
    causes,
    effects,
    externalRequestsAffected: root.blocks_external_requests,
    externalCustomersAffected: root.blocks_external_customers,
    inheritedDeadline: root.inherited_deadline,
    blocksRequests: root.blocks_requests,
    blocksExposedRequests: root.blocks_exposed_requests,
  };
}

/** Breadth first, so each request appears once at its smallest depth. */
async function walk(db: ReadModelDb, root: ImpactNodeRow, direction: 'up' | 'down'): Promise<ChainMember[]> {
  const [from, to] = direction === 'down' ? (['cause_id', 'effect_id'] as const) : (['effect_id', 'cause_id'] as const);
  const members: ChainMember[] = [];
  const seen = new Set([root.request_id]);
  const holds = new Map<string, boolean>([[root.request_id, root.is_open === 1]]);
  let frontier = [root.request_id];
  for (let depth = 1; frontier.length > 0 && depth <= MAX_DEPTH; depth++) {
    const links: ImpactLinkRow[] = await db.selectFrom('impact_links').selectAll().where(from, 'in', frontier).orderBy(to).execute();
    const fresh = links.filter((link) => !seen.has(link[to]));
    const nodes = new Map(
      fresh.length === 0
        ? []
        : (
            await db
              .selectFrom('impact_nodes')
              .selectAll()
              .where(
                'request_id',
                'in',
                fresh.map((link) => link[to]),
              )
              .execute()
          ).map((node) => [node.request_id, node]),
    );
    frontier = [];
    for (const link of fresh) {
      const id = link[to];
      const node = nodes.get(id);
      if (!node || seen.has(id)) continue;
      seen.add(id);
      frontier.push(id);
      const blocking = holds.get(link[from])! && node.is_open === 1;
      holds.set(id, blocking);
      members.push({ ...view(node), depth, via: link[from], relation: link.relation, blocking });
    }
  }
  return members;
}

export interface BlockerFilter {
  departmentId?: string;
  limit: number;
  cursor?: string;
}

export interface Blocker extends ImpactRequestView {
  blocksExternalCustomers: number;
  blocksExternalRequests: number;
  blocksExposedRequests: number;
  blocksRequests: number;
  inheritedDeadline: string | null;
}

const NO_DEADLINE = '9999-12-31T23:59:59.999Z';

/**
 * Open internal requests ranked by the external customers they block (which
 * internal fix unblocks the most external customers), then the external
 * requests, then the earliest inherited deadline. Internal requests raised by
 * customer-facing employees, or blocking theirs, are listed too: they are
 * exposed to external customers even without an explicit link.
 */
export async function impactBlockers(db: ReadModelDb, filter: BlockerFilter): Promise<{ items: Blocker[]; nextCursor: string | null }> {
  const deadline = sql<string>`coalesce(inherited_deadline, ${NO_DEADLINE})`;
  let query = db
    .selectFrom('impact_nodes')
    .selectAll()
    .select(deadline.as('sort_deadline'))
    .where('audience', '=', 'internal')
    .where('is_open', '=', 1)
    .where((eb) =>
      eb.or([eb('blocks_external_requests', '>', 0), eb('blocks_exposed_requests', '>', 0), eb('exposed_to_external', '=', 1)]),
    );
  if (filter.departmentId !== undefined) query = query.where('department_id', '=', filter.departmentId);
  const order: { expression: Expression<unknown>; direction: 'asc' | 'desc' }[] = [
    { expression: sql`blocks_external_customers`, direction: 'desc' },
    { expression: sql`blocks_external_requests`, direction: 'desc' },
    { expression: sql`blocks_exposed_requests`, direction: 'desc' },
    { expression: deadline, direction: 'asc' },
    { expression: sql`effective_rank`, direction: 'asc' },
    { expression: sql`request_id`, direction: 'asc' },
  ];
  if (filter.cursor !== undefined) {
    const last = decodeCursor(filter.cursor, ['number', 'number', 'number', 'string', 'number', 'string']);
    if (!last) throw new InvalidCursorError('cursor: not a cursor of this list');
    const keys: KeysetKey[] = order.map((key, index) => ({ ...key, value: last[index] }));
    query = query.where((eb) => afterKeyset(eb, keys));
  }
  for (const key of order) query = query.orderBy(key.expression, key.direction);
  const rows = await query.limit(filter.limit + 1).execute();
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      ...view(row),
      blocksExternalCustomers: row.blocks_external_customers,
      blocksExternalRequests: row.blocks_external_requests,
      blocksExposedRequests: row.blocks_exposed_requests,
      blocksRequests: row.blocks_requests,
      inheritedDeadline: row.inherited_deadline,
    })),
    nextCursor:
      rows.length > filter.limit && last
        ? encodeCursor([
            last.blocks_external_customers,
            last.blocks_external_requests,
            last.blocks_exposed_requests,
            last.sort_deadline,
            last.effective_rank,
            last.request_id,
          ])
        : null,
  };
}

function view(node: ImpactNodeRow): ImpactRequestView {
  return {
    requestId: node.request_id,
    subject: node.subject,
    departmentId: node.department_id,
    audience: node.audience,
    requesterId: node.requester_id,
    exposedToExternal: node.exposed_to_external === 1,
    status: node.status,
    open: node.is_open === 1,
    priority: node.priority,
    effectivePriority: node.effective_priority,
    resolutionDueAt: node.resolution_due_at,
  };
}
