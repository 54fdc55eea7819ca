import { sql, type Expression } from 'kysely';
import type { ReadModelDb, ReadModelQueries } from '../store/read-model-store';
import type { ImpactNodeRow } from '../store/read-model-tables';
import type { ImpactFigures } from '../projections/impact-chain/impact-closure';
import { pickState, type ImpactNodeState } from '../projections/impact-chain/impact-node.evolve';
import { afterKeyset, decodeCursor, encodeCursor, type KeysetKey } from './cursor';
import { InvalidCursorError } from './queue.query';
import { impactAsOf, impactGraphAsOf, type ImpactGraphReader } from './impact-as-of.query';

export { blockedDownstreamAsOf, impactAsOf, workloadImpactAsOf } from './impact-as-of.query';

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

/**
 * A request's place in the impact chain: what it waits on, what waits on it, and what that means for external
 * customers; with `asOf`, as it stood at that business time (from the chain's history, the figures computed then).
 */
export async function impactChain(db: ReadModelDb, requestId: string, asOf: Date | null = null): Promise<ImpactChain | null> {
  const graph = asOf ? impactGraphAsOf(db, asOf) : liveGraph(db);
  const [root] = await graph.nodes([requestId]);
  if (!root) return null;
  const effects = await walk(graph, root, 'down');
  const causes = await walk(graph, root, 'up');
  const figures = await graph.figures([root, ...causes.map((member) => member.node), ...effects.map((member) => member.node)]);
  const own = figures.get(root.request_id)!;
  const member = ({ node, ...place }: WalkedMember): ChainMember => ({ ...view(node, figures.get(node.request_id)!), ...place });
  return {
    request: view(root, own),
    causes: causes.map(member),
    effects: effects.map(member),
    externalRequestsAffected: own.blocks_external_requests,
    externalCustomersAffected: own.blocks_external_customers,
    inheritedDeadline: own.inherited_deadline,
    blocksRequests: own.blocks_requests,
    blocksExposedRequests: own.blocks_exposed_requests,
  };
}

/** The live tables: the figures are the rows' own. */
function liveGraph(db: ReadModelDb): ImpactGraphReader {
  const rows = new Map<string, ImpactNodeRow>();
  return {
    async nodes(ids) {
      if (ids.length === 0) return [];
      const found = await db.selectFrom('impact_nodes').selectAll().where('request_id', 'in', ids).execute();
      for (const row of found) rows.set(row.request_id, row);
      return found;
    },
    async links(column, ids) {
      if (ids.length === 0) return [];
      const other = column === 'cause_id' ? 'effect_id' : 'cause_id';
      return db.selectFrom('impact_links').selectAll().where(column, 'in', ids).orderBy(other).orderBy(column).execute();
    },
    async figures(nodes) {
      return new Map(nodes.map((node) => [node.request_id, rows.get(node.request_id)!]));
    },
  };
}

interface WalkedMember extends Omit<ChainMember, keyof ImpactRequestView> {
  node: ImpactNodeState;
}

/** Breadth first, so each request appears once at its smallest depth. */
async function walk(graph: ImpactGraphReader, root: ImpactNodeState, direction: 'up' | 'down'): Promise<WalkedMember[]> {
  const [from, to] = direction === 'down' ? (['cause_id', 'effect_id'] as const) : (['effect_id', 'cause_id'] as const);
  const members: WalkedMember[] = [];
  const seen = new Set([root.request_id]);
  const holds = new Map<string, boolean>([[root.request_id, root.is_open === 1]]);
  let frontier = [root.request_id];
  for (let depth = 1; frontier.length > 0 && depth <= MAX_DEPTH; depth++) {
    const links = await graph.links(from, frontier);
    const fresh = links.filter((link) => !seen.has(link[to]));
    const nodes = new Map((await graph.nodes([...new Set(fresh.map((link) => link[to]))])).map((node) => [node.request_id, node]));
    frontier = [];
    for (const link of fresh) {
      const id = link[to];
      const node = nodes.get(id);
      if (!node || seen.has(id)) continue;
      seen.add(id);
      frontier.push(id);
      const blocking = holds.get(link[from])! && node.is_open === 1;
      holds.set(id, blocking);
      members.push({ node: pickState(node), depth, via: link[from], relation: link.relation, blocking });
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
 * exposed to external customers even without an explicit link. With `asOf`, as they stood at that business time.
 */
export async function impactBlockers(
  db: ReadModelDb,
  filter: BlockerFilter,
  asOf: Date | null = null,
): Promise<{ items: Blocker[]; nextCursor: string | null }> {
  const tables: ReadModelQueries = asOf ? impactAsOf(db, asOf, 'blockers') : db;
  const deadline = sql<string>`coalesce(inherited_deadline, ${NO_DEADLINE})`;
  let query = tables
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
      ...view(row, row),
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

function view(node: ImpactNodeState, figures: ImpactFigures): ImpactRequestView {
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
    effectivePriority: figures.effective_priority,
    resolutionDueAt: node.resolution_due_at,
  };
}
