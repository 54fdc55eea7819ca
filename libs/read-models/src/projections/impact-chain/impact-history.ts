import { sql, type Kysely, type Transaction } from 'kysely';
import { isEventOf } from '@desk/domain';
import type { LoggedEvent } from '../../runner/logged-event';
import type { ImpactLinkRow, ImpactLinkVersionRow, ImpactNodeVersionRow, ReadModelTables } from '../../store/read-model-tables';
import { isSqlite, upsertRows } from '../../store/upsert';
import { evolveImpactState, type ImpactNodeState } from './impact-node.evolve';
import { Timeline, versionTime, type Version } from '../timeline';

type LinkState = Pick<ImpactLinkRow, 'relation' | 'linked_at'>;

/**
 * The impact chain's history in business time, kept by the impact-chain projection in its batches' transactions:
 * each request's node state and each link, as versions (impact-timeline.ts). The transitive figures are not kept:
 * a link change would rewrite versions of every request upstream, at every business time after it; as-of queries
 * compute them from the links and states valid at their time (impact-as-of.query.ts).
 */
export class ImpactHistory {
  private constructor(
    private readonly nodes: Map<string, Timeline<ImpactNodeState>>,
    private readonly links: Map<string, Timeline<LinkState>>,
  ) {}

  static async createTables(db: Kysely<ReadModelTables>): Promise<void> {
    await db.schema
      .createTable('impact_node_versions')
      .ifNotExists()
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('valid_to', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('department_id', 'text', (c) => c.notNull())
      .addColumn('requester_id', 'text', (c) => c.notNull())
      .addColumn('audience', 'text', (c) => c.notNull())
      .addColumn('exposed_to_external', 'integer', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('is_open', 'integer', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('priority_rank', 'integer', (c) => c.notNull())
      .addColumn('resolution_due_at', 'text')
      .addPrimaryKeyConstraint('impact_node_versions_pk', ['request_id', 'valid_from'])
      .execute();
    await db.schema
      .createTable('impact_link_versions')
      .ifNotExists()
      .addColumn('cause_id', 'text', (c) => c.notNull())
      .addColumn('effect_id', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('valid_to', 'text', (c) => c.notNull())
      .addColumn('relation', 'text', (c) => c.notNull())
      .addColumn('linked_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('impact_link_versions_pk', ['cause_id', 'effect_id', 'valid_from'])
      .execute();
  }

  static async createIndexes(db: Kysely<ReadModelTables>): Promise<void> {
    // The open requests valid at T (valid_from <= T < valid_to), where the figures of every blocker start: the range
    // is the open versions that end after T, checked against valid_from inside the index.
    await db.schema
      .createIndex('impact_node_versions_open')
      .ifNotExists()
      .on('impact_node_versions')
      .columns(['is_open', 'valid_to', 'valid_from'])
      .execute();
    // The open internal requests exposed to external customers valid at T: blockers even without a link.
    await db.schema
      .createIndex('impact_node_versions_exposed')
      .ifNotExists()
      .on('impact_node_versions')
      .columns(['exposed_to_external', 'is_open', 'valid_to', 'valid_from'])
      .execute();
    await db.schema
      .createIndex('impact_link_versions_effect')
      .ifNotExists()
      .on('impact_link_versions')
      .columns(['effect_id', 'cause_id', 'valid_from'])
      .execute();
  }

  /** The versions the batch can change: those of its requests and links that end at or after its earliest business time. */
  static async load(trx: Transaction<ReadModelTables>, events: readonly LoggedEvent[]): Promise<ImpactHistory> {
    const requestIds = new Set<string>();
    const causeIds = new Set<string>();
    const pairs = new Set<string>();
    let earliest: string | undefined;
    for (const event of events) {
      const at = versionTime(event.metadata.occurredAt);
      if (earliest === undefined || at < earliest) earliest = at;
      if (event.type === 'ImpactLinked' || event.type === 'ImpactUnlinked') {
        causeIds.add(event.data.causeRequestId);
        pairs.add(linkKey(event.data.causeRequestId, event.data.effectRequestId));
      } else if (isEventOf('request', event)) requestIds.add(event.data.requestId);
    }
    const nodes = new Map<string, Timeline<ImpactNodeState>>();
    const links = new Map<string, Timeline<LinkState>>();
    if (earliest === undefined) return new ImpactHistory(nodes, links);

    const nodeRows = await versionsOf(trx, 'impact_node_versions', 'request_id', [...requestIds], earliest);
    const nodeVersions = group(nodeRows, (row) => row.request_id, nodeVersion);
    for (const id of requestIds) nodes.set(id, new Timeline(nodeVersions.get(id) ?? [], sameNode));
    const linkRows = (await versionsOf(trx, 'impact_link_versions', 'cause_id', [...causeIds], earliest)).filter((row) =>
      pairs.has(linkKey(row.cause_id, row.effect_id)),
    );
    const linkVersions = group(linkRows, (row) => linkKey(row.cause_id, row.effect_id), linkVersion);
    for (const key of pairs) links.set(key, new Timeline(linkVersions.get(key) ?? [], sameLink));
    return new ImpactHistory(nodes, links);
  }

  apply(event: LoggedEvent): void {
    const at = versionTime(event.metadata.occurredAt);
    if (event.type === 'ImpactLinked') {
      const made: LinkState = { relation: event.data.relation, linked_at: event.metadata.occurredAt };
      this.links.get(linkKey(event.data.causeRequestId, event.data.effectRequestId))!.apply(at, () => made);
    } else if (event.type === 'ImpactUnlinked') {
      this.links.get(linkKey(event.data.causeRequestId, event.data.effectRequestId))!.apply(at, () => undefined);
    } else if (isEventOf('request', event)) {
      const revision = Number(event.revision);
      this.nodes.get(event.data.requestId)!.apply(at, (state) => evolveImpactState(state, event, revision));
    }
  }

  async write(trx: Transaction<ReadModelTables>): Promise<void> {
    const nodeRows: ImpactNodeVersionRow[] = [];
    for (const [id, timeline] of this.nodes) {
      const { written, removed } = timeline.changes(sameNodeRevision);
      for (const from of removed) {
        await trx.deleteFrom('impact_node_versions').where('request_id', '=', id).where('valid_from', '=', from).execute();
      }
      for (const version of written) nodeRows.push({ ...version.state, valid_from: version.from, valid_to: version.to });
    }
    await upsertRows(trx, 'impact_node_versions', ['request_id', 'valid_from'], nodeRows);
    const linkRows: ImpactLinkVersionRow[] = [];
    for (const [key, timeline] of this.links) {
      const [cause, effect] = JSON.parse(key) as [string, string];
      const { written, removed } = timeline.changes(sameLink);
      for (const from of removed) {
        await trx
          .deleteFrom('impact_link_versions')
          .where('cause_id', '=', cause)
          .where('effect_id', '=', effect)
          .where('valid_from', '=', from)
          .execute();
      }
      for (const version of written) {
        linkRows.push({ cause_id: cause, effect_id: effect, ...version.state, valid_from: version.from, valid_to: version.to });
      }
    }
    await upsertRows(trx, 'impact_link_versions', ['cause_id', 'effect_id', 'valid_from'], linkRows);
  }
}

/** Versions of the keys that end at or after `from` (the ones before never change). */
async function versionsOf<Table extends 'impact_node_versions' | 'impact_link_versions'>(
  trx: Transaction<ReadModelTables>,
  table: Table,
  column: Table extends 'impact_node_versions' ? 'request_id' : 'cause_id',
  ids: readonly string[],
  from: string,
): Promise<ReadModelTables[Table][]> {
  if (ids.length === 0) return [];
  // One parameter whatever the number of keys, so SQLite prepares the statement once.
  const inValues = isSqlite(trx) ? sql`(select value from json_each(${JSON.stringify(ids)}))` : sql`any(${ids})`;
  return (await trx
    .selectFrom(table as never)
    .selectAll()
    .where(column as never, isSqlite(trx) ? 'in' : '=', inValues as never)
    .where('valid_to' as never, '>=', from as never)
    .execute()) as ReadModelTables[Table][];
}

function group<Row, State>(
  rows: readonly Row[],
  key: (row: Row) => string,
  version: (row: Row) => Version<State>,
): Map<string, Version<State>[]> {
  const out = new Map<string, Version<State>[]>();
  for (const row of rows) {
    const list = out.get(key(row)) ?? [];
    list.push(version(row));
    out.set(key(row), list);
  }
  return out;
}

function nodeVersion(row: ImpactNodeVersionRow): Version<ImpactNodeState> {
  const { valid_from: from, valid_to: to, ...state } = row;
  return { from, to, state };
}

function linkVersion(row: ImpactLinkVersionRow): Version<LinkState> {
  return { from: row.valid_from, to: row.valid_to, state: { relation: row.relation, linked_at: row.linked_at } };
}

function linkKey(cause: string, effect: string): string {
  return JSON.stringify([cause, effect]);
}

/** What a version of a node holds besides its request and revision. */
export const NODE_FIELDS = [
  'department_id',
  'requester_id',
  'audience',
  'exposed_to_external',
  'subject',
  'status',
  'is_open',
  'priority',
  'priority_rank',
  'resolution_due_at',
] as const satisfies readonly (keyof ImpactNodeState)[];

/**
 * One version for neighbours that differ in their revision only (a reassignment): what the graph knows of the request
 * is the same. The later one's revision is kept: every event the earlier holds, it holds too, so a replayed event is
 * still recognised wherever it applies.
 */
function sameNode(a: ImpactNodeState, b: ImpactNodeState): boolean {
  return NODE_FIELDS.every((field) => a[field] === b[field]);
}

function sameNodeRevision(a: ImpactNodeState, b: ImpactNodeState): boolean {
  return a.revision === b.revision && sameNode(a, b);
}

function sameLink(a: LinkState, b: LinkState): boolean {
  return a.relation === b.relation && a.linked_at === b.linked_at;
}
