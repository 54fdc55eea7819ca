import { sql, type RawBuilder } from 'kysely';
import { PRIORITIES } from '@desk/domain';
import type { ReadModelDb, ReadModelQueries } from '../store/read-model-store';
import type { ImpactLinkRow, ImpactNodeRow } from '../store/read-model-tables';
import { isSqlite } from '../store/upsert';
import type { ImpactFigures } from '../projections/impact-chain/impact-closure';
import type { ImpactNodeState } from '../projections/impact-chain/impact-node.evolve';
import type { WorkloadImpact } from './workload.query';
import { NODE_FIELDS } from '../projections/impact-chain/impact-history';

/** What a walk along the impact chain reads: the live tables, or the history as of a time. */
export interface ImpactGraphReader {
  nodes(ids: readonly string[]): Promise<ImpactNodeState[]>;
  /** Links whose `column` is one of the ids, by the other end, then by this one (so a walk is the same on every store). */
  links(column: 'cause_id' | 'effect_id', ids: readonly string[]): Promise<ImpactLinkRow[]>;
  /** What each of the requests transitively blocks. */
  figures(nodes: readonly ImpactNodeState[]): Promise<Map<string, ImpactFigures>>;
}

const STATE_COLUMNS = ['request_id', 'revision', ...NODE_FIELDS] as const;

/** The impact chain as it stood at a business time: node states and links from their versions valid then, figures computed. */
export function impactGraphAsOf(db: ReadModelDb, asOf: Date): ImpactGraphReader {
  const at = asOf.toISOString();
  return {
    async nodes(ids) {
      if (ids.length === 0) return [];
      return db
        .selectFrom('impact_node_versions')
        .select(STATE_COLUMNS)
        .where('request_id', 'in', ids)
        .where('valid_from', '<=', at)
        .where('valid_to', '>', at)
        .execute();
    },
    async links(column, ids) {
      if (ids.length === 0) return [];
      const other = column === 'cause_id' ? 'effect_id' : 'cause_id';
      return db
        .selectFrom('impact_link_versions')
        .select(['cause_id', 'effect_id', 'relation', 'linked_at'])
        .where(column, 'in', ids)
        .where('valid_from', '<=', at)
        .where('valid_to', '>', at)
        .orderBy(other)
        .orderBy(column)
        .execute();
    },
    async figures(nodes) {
      const open = nodes.filter((node) => node.is_open === 1).map((node) => node.request_id);
      const rows = open.length === 0 ? [] : (await figuresOf(db, at, open).execute(db)).rows;
      const computed = new Map(rows.map((row) => [row.root_id, row]));
      return new Map(nodes.map((node) => [node.request_id, figuresOfNode(node, computed.get(node.request_id))]));
    },
  };
}

interface FiguresRow {
  root_id: string;
  blocks_requests: number;
  blocks_external_requests: number;
  blocks_external_customers: number;
  blocks_exposed_requests: number;
  min_rank: number;
  inherited_deadline: string | null;
}

function figuresOfNode(node: ImpactNodeState, row: FiguresRow | undefined): ImpactFigures {
  const rank = row && Number(row.min_rank) < node.priority_rank ? Number(row.min_rank) : node.priority_rank;
  return {
    effective_priority: PRIORITIES[Math.max(0, Math.min(PRIORITIES.length - 1, rank))],
    effective_rank: rank,
    blocks_requests: Number(row?.blocks_requests ?? 0),
    blocks_external_requests: Number(row?.blocks_external_requests ?? 0),
    blocks_external_customers: Number(row?.blocks_external_customers ?? 0),
    blocks_exposed_requests: Number(row?.blocks_exposed_requests ?? 0),
    inherited_deadline: row?.inherited_deadline ?? null,
  };
}

/** A version valid at the time: valid_from <= at < valid_to. */
function validAt(alias: string, at: string): RawBuilder<unknown> {
  return sql`${sql.ref(`${alias}.valid_from`)} <= ${at} and ${sql.ref(`${alias}.valid_to`)} > ${at}`;
}

/**
 * The common table expressions of the figures as of a time (impact-closure.ts's, over the versions valid then):
 * `impact_reach(root_id, request_id)`, each open request (of `roots`, or every one) with each open request it
 * reaches through links valid then, once each whatever the paths; and `impact_figures`, per root, what it blocks.
 */
function figuresExpressions(db: ReadModelDb, at: string, roots: readonly string[] | null) {
  // SQLite keeps no statistics here and would join the open versions with the open versions; CROSS JOIN fixes the
  // order (PostgreSQL plans it as an inner join), and a unary plus keeps is_open from choosing an index: each step
  // goes from a link to its ends by their keys. Every figure starts from the links valid then (far fewer than the
  // open requests), or from the roots asked for.
  const anchor =
    roots === null
      ? sql`from impact_link_versions l
         cross join impact_node_versions c
         cross join impact_node_versions e
         where ${validAt('l', at)} and c.request_id = l.cause_id`
      : sql`from impact_node_versions c
         cross join impact_link_versions l
         cross join impact_node_versions e
         where c.request_id ${isSqlite(db) ? sql`in (select value from json_each(${JSON.stringify(roots)}))` : sql`= any(${roots})`}
           and l.cause_id = c.request_id and ${validAt('l', at)}`;
  const reach = sql<{ root_id: string; request_id: string }>`
    select l.cause_id, l.effect_id
      ${anchor}
       and ${validAt('c', at)} and +c.is_open = 1
       and e.request_id = l.effect_id and ${validAt('e', at)} and +e.is_open = 1
    union
    select r.root_id, l.effect_id
      from impact_reach r
     cross join impact_link_versions l
     cross join impact_node_versions e
     where l.cause_id = r.request_id and ${validAt('l', at)}
       and e.request_id = l.effect_id and ${validAt('e', at)} and +e.is_open = 1`;
  // A cycle of links valid at one time (possible in business time, never in the log's order) does not count the root.
  const figures = sql<FiguresRow>`
    select r.root_id,
           cast(count(*) as integer) as blocks_requests,
           cast(sum(case when n.audience = 'external' then 1 else 0 end) as integer) as blocks_external_requests,
           cast(count(distinct case when n.audience = 'external' then n.requester_id end) as integer) as blocks_external_customers,
           cast(sum(case when n.audience <> 'external' and n.exposed_to_external = 1 then 1 else 0 end) as integer) as blocks_exposed_requests,
           min(n.priority_rank) as min_rank,
           min(case when n.audience = 'external' then n.resolution_due_at end) as inherited_deadline
      from impact_reach r
     cross join impact_node_versions n
     where n.request_id = r.request_id and ${validAt('n', at)}
       and r.request_id <> r.root_id
     group by r.root_id`;
  return { reach, figures };
}

function figuresOf(db: ReadModelDb, at: string, roots: readonly string[]): RawBuilder<FiguresRow> {
  const { reach, figures } = figuresExpressions(db, at, roots);
  return sql<FiguresRow>`with recursive impact_reach(root_id, request_id) as (${reach}) ${figures}`;
}

/**
 * The impact chain's tables as they stood at a business time, under their live names: `impact_nodes` is each
 * request's state valid then with the figures computed from the links and states valid then, `impact_links` the
 * links valid then. The live queries read them unchanged. Not materialized: the queries' own conditions reach the
 * history's indexes.
 *
 * With `rows: 'blockers'`, `impact_nodes` holds only the requests valid then that impactBlockers' conditions can
 * select: those that block an open request through a link valid then, and the open internal ones exposed to
 * external customers. Every other request blocks nothing and is not exposed, so the blockers are the same; but the
 * open requests valid at T are found only by reading every open version that ends after T (a range that grows with
 * the history after T: 400,000 versions early in the 1,000,000-event history), where these two come from the links
 * valid then and from the exposed versions.
 */
export function impactAsOf(db: ReadModelDb, asOf: Date, rows: 'all' | 'blockers' = 'all'): ReadModelQueries {
  const at = asOf.toISOString();
  const { reach, figures } = figuresExpressions(db, at, null);
  // With every request, the figures are subqueries, not a join: a query's left join to impact_nodes then reads it in
  // place, by the request ids it joins on, where a join inside would make SQLite build it first for every request
  // valid then (a scan of every version).
  const figure = (column: keyof FiguresRow) =>
    rows === 'all' ? sql`(select f.${sql.ref(column)} from impact_figures f where f.root_id = n.request_id)` : sql.ref(`f.${column}`);
  const effectiveRank = sql`case when ${figure('min_rank')} is not null and ${figure('min_rank')} < n.priority_rank then ${figure('min_rank')} else n.priority_rank end`;
  const priorityOf = sql.join(
    PRIORITIES.map((priority, rank) =>
      rank === PRIORITIES.length - 1
        ? sql`else ${sql.lit(priority)}`
        : sql`when ${effectiveRank} <= ${sql.lit(rank)} then ${sql.lit(priority)}`,
    ),
    sql` `,
  );
  const nodes = sql<ImpactNodeRow>`
    select ${sql.join(STATE_COLUMNS.map((column) => sql.ref(`n.${column}`)))},
           case ${priorityOf} end as effective_priority,
           ${effectiveRank} as effective_rank,
           coalesce(${figure('blocks_requests')}, 0) as blocks_requests,
           coalesce(${figure('blocks_external_requests')}, 0) as blocks_external_requests,
           coalesce(${figure('blocks_external_customers')}, 0) as blocks_external_customers,
           coalesce(${figure('blocks_exposed_requests')}, 0) as blocks_exposed_requests,
           ${figure('inherited_deadline')} as inherited_deadline
      ${
        rows === 'all'
          ? sql`from impact_node_versions n where ${validAt('n', at)}`
          : sql`from (
                  select root_id as request_id from impact_figures
                  union
                  select x.request_id from impact_node_versions x
                   where x.exposed_to_external = 1 and x.is_open = 1 and ${validAt('x', at)} and x.audience = 'internal'
                ) k
                cross join impact_node_versions n
                left join impact_figures f on f.root_id = n.request_id
                where n.request_id = k.request_id and ${validAt('n', at)}`
      }`;
  const links = sql<ImpactLinkRow>`
    select cause_id, effect_id, relation, linked_at from impact_link_versions l where ${validAt('l', at)}`;
  const withHistory = db
    .withRecursive('impact_reach(root_id, request_id)', () => parenthesized(reach))
    .with('impact_figures', () => parenthesized(figures))
    .with(
      (cte) => cte('impact_nodes').notMaterialized(),
      () => parenthesized(nodes),
    )
    .with(
      (cte) => cte('impact_links').notMaterialized(),
      () => parenthesized(links),
    );
  return withHistory as unknown as ReadModelQueries;
}

/** Kysely writes a raw expression as it is: a common table expression's body needs its parentheses. */
function parenthesized<Row>(body: RawBuilder<Row>): RawBuilder<Row> {
  return sql<Row>`(${body})`;
}

/**
 * The impact figure of a department's workload (workload.query.ts's blockedDownstreamQuery) as it stood at a
 * business time: its open internal requests that block an open request through a link valid then, and the open
 * external requests and their customers downstream of them. Written for the history (joins in a fixed order from the
 * links valid then, as the figures are), and held to the live query over a replay by the impact as-of spec.
 */
export async function blockedDownstreamAsOf(
  db: ReadModelDb,
  departmentId: string,
  asOf: Date,
): Promise<{ blockingRequests: number; blockedExternalRequests: number; blockedExternalCustomers: number }> {
  const at = asOf.toISOString();
  const holding = sql`
      from impact_link_versions l
     cross join impact_node_versions c
     cross join impact_node_versions e
     where ${validAt('l', at)}
       and c.request_id = l.cause_id and ${validAt('c', at)} and c.department_id = ${departmentId} and c.audience = 'internal' and +c.is_open = 1
       and e.request_id = l.effect_id and ${validAt('e', at)} and +e.is_open = 1`;
  const { rows } = await sql<{ blocking: string | number; external_requests: string | number; external_customers: string | number }>`
    with recursive downstream(request_id) as (
      select l.effect_id ${holding}
      union
      select l.effect_id
        from downstream d
       cross join impact_link_versions l
       cross join impact_node_versions e
       where l.cause_id = d.request_id and ${validAt('l', at)}
         and e.request_id = l.effect_id and ${validAt('e', at)} and +e.is_open = 1
    )
    select
      (select count(distinct c.request_id) ${holding}) as blocking,
      count(distinct case when n.audience = 'external' then n.request_id end) as external_requests,
      count(distinct case when n.audience = 'external' then n.requester_id end) as external_customers
    from downstream d
   cross join impact_node_versions n
   where n.request_id = d.request_id and ${validAt('n', at)}
  `.execute(db);
  const row = rows[0];
  return {
    blockingRequests: Number(row?.blocking ?? 0),
    blockedExternalRequests: Number(row?.external_requests ?? 0),
    blockedExternalCustomers: Number(row?.external_customers ?? 0),
  };
}

/** The workload's impact figure as it stood at a business time, from the chain's history tables. */
export function workloadImpactAsOf(db: ReadModelDb, asOf: Date): WorkloadImpact {
  const at = asOf.toISOString();
  return {
    // Only an open internal request that is the cause of a link valid then can block anything then.
    async departmentsThatMayBlock() {
      const { rows } = await sql<{ department_id: string }>`
        select distinct c.department_id
          from impact_link_versions l
         cross join impact_node_versions c
         where ${validAt('l', at)}
           and c.request_id = l.cause_id and ${validAt('c', at)} and +c.is_open = 1 and c.audience = 'internal'`.execute(db);
      return new Set(rows.map((row) => row.department_id));
    },
    blockedDownstream: (departmentId) => blockedDownstreamAsOf(db, departmentId, asOf),
  };
}
