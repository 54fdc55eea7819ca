import type { Kysely, Transaction } from 'kysely';
import { isEventOf } from '@desk/domain';
import type { LoggedEvent } from '../../runner/logged-event';
import type { Projection } from '../../runner/projection';
import type { ImpactLinkRow, ImpactNodeRow, ReadModelTables } from '../../store/read-model-tables';
import { ImpactHistory } from './impact-history';
import { rowsByKey, rowsWhereIn, upsertRows } from '../../store/upsert';
import { takeTurn, turnDue } from '../../runner/event-loop-turns';
import { impactFigures, type ImpactFigures } from './impact-closure';
import { changesImpact, evolveImpactNode, IMPACT_NODE_EVENT_TYPES } from './impact-node.evolve';

/**
 * The internal-to-external impact chain: every request as a node, the links
 * between them, and for each request what it transitively blocks (external
 * requests and customers, the earliest external due time downstream, the
 * effective priority). A change to a node or a link recomputes that node and
 * everything upstream of it, within the batch's transaction. Beside them, the
 * history in business time of the nodes' own states and of the links
 * (impact-history.ts), which as-of queries read.
 */
export class ImpactChainProjection implements Projection {
  readonly name = 'impact-chain';
  /**
   * 2: impact_node_versions and impact_link_versions, the history of the nodes' states and of the links in business
   * time (as-of queries compute the transitive figures from it instead of replaying the log).
   * 3: an index of the exposed versions, where as-of blockers find the exposed requests valid at their time.
   */
  readonly version: number = 3;
  readonly eventTypes: ReadonlySet<string> = new Set<string>([...IMPACT_NODE_EVENT_TYPES, 'ImpactLinked', 'ImpactUnlinked']);
  readonly tables = ['impact_nodes', 'impact_links', 'impact_node_versions', 'impact_link_versions'] as const;

  async createTables(db: Kysely<ReadModelTables>): Promise<void> {
    await db.schema
      .createTable('impact_nodes')
      .ifNotExists()
      .addColumn('request_id', 'text', (c) => c.primaryKey())
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
      .addColumn('effective_priority', 'text', (c) => c.notNull())
      .addColumn('effective_rank', 'integer', (c) => c.notNull())
      .addColumn('blocks_requests', 'integer', (c) => c.notNull())
      .addColumn('blocks_external_requests', 'integer', (c) => c.notNull())
      .addColumn('blocks_external_customers', 'integer', (c) => c.notNull())
      .addColumn('blocks_exposed_requests', 'integer', (c) => c.notNull())
      .addColumn('inherited_deadline', 'text')
      .execute();
    await db.schema
      .createTable('impact_links')
      .ifNotExists()
      .addColumn('cause_id', 'text', (c) => c.notNull())
      .addColumn('effect_id', 'text', (c) => c.notNull())
      .addColumn('relation', 'text', (c) => c.notNull())
      .addColumn('linked_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('impact_links_pk', ['cause_id', 'effect_id'])
      .execute();
    await ImpactHistory.createTables(db);
  }

  async createIndexes(db: Kysely<ReadModelTables>): Promise<void> {
    await db.schema
      .createIndex('impact_nodes_blockers')
      .ifNotExists()
      .on('impact_nodes')
      .columns(['is_open', 'audience', 'blocks_external_customers'])
      .execute();
    // The graph's walks upstream, from an effect to its causes (a copy's batches walk without it: a few thousand links).
    await db.schema.createIndex('impact_links_effect').ifNotExists().on('impact_links').column('effect_id').execute();
    await ImpactHistory.createIndexes(db);
  }

  async apply(trx: Transaction<ReadModelTables>, events: LoggedEvent[]): Promise<void> {
    const ids = new Set<string>();
    for (const event of events) if (isEventOf('request', event)) ids.add(event.data.requestId);
    const nodes = new Map((await rowsByKey(trx, 'impact_nodes', 'request_id', [...ids])).map((row) => [row.request_id, row]));
    const changedNodes = new Set<string>();
    const dirty = new Set<string>();
    const history = await ImpactHistory.load(trx, events);

    for (const event of events) {
      if (turnDue()) await takeTurn();
      history.apply(event);
      if (event.type === 'ImpactLinked' || event.type === 'ImpactUnlinked') {
        const impact = event;
        // Link changes are written in order with the node changes around them, so the graph walks below see them.
        await this.flush(trx, nodes, changedNodes);
        if (impact.type === 'ImpactLinked') {
          const { causeRequestId, effectRequestId, relation } = impact.data;
          await upsertRows(
            trx,
            'impact_links',
            ['cause_id', 'effect_id'],
            [{ cause_id: causeRequestId, effect_id: effectRequestId, relation, linked_at: event.metadata.occurredAt }],
          );
        } else {
          await trx
            .deleteFrom('impact_links')
            .where('cause_id', '=', impact.data.causeRequestId)
            .where('effect_id', '=', impact.data.effectRequestId)
            .execute();
        }
        dirty.add(impact.data.causeRequestId);
        continue;
      }
      if (!isEventOf('request', event)) continue;
      const id = event.data.requestId;
      const before = nodes.get(id);
      const after = evolveImpactNode(before, event, Number(event.revision));
      if (!after || after === before) continue;
      nodes.set(id, after);
      changedNodes.add(id);
      if (changesImpact(before, after)) dirty.add(id);
    }
    await this.flush(trx, nodes, changedNodes);
    if (dirty.size > 0) await this.recompute(trx, dirty);
    await history.write(trx);
  }

  private async flush(trx: Transaction<ReadModelTables>, nodes: Map<string, ImpactNodeRow>, changed: Set<string>): Promise<void> {
    await upsertRows(
      trx,
      'impact_nodes',
      ['request_id'],
      [...changed].map((id) => nodes.get(id)!),
    );
    changed.clear();
  }

  /** Recomputes the figures of the dirty requests and of everything upstream of them. */
  private async recompute(trx: Transaction<ReadModelTables>, dirty: Set<string>): Promise<void> {
    const region = new Set(dirty);
    let frontier = [...dirty];
    while (frontier.length > 0) {
      const causes = await this.links(trx, 'effect_id', frontier);
      frontier = [];
      for (const link of causes) {
        if (region.has(link.cause_id)) continue;
        region.add(link.cause_id);
        frontier.push(link.cause_id);
      }
    }

    const outgoing = new Map<string, ImpactLinkRow[]>();
    const reached = new Set(region);
    frontier = [...region];
    while (frontier.length > 0) {
      const links = await this.links(trx, 'cause_id', frontier);
      frontier = [];
      for (const link of links) {
        const list = outgoing.get(link.cause_id) ?? [];
        list.push(link);
        outgoing.set(link.cause_id, list);
        if (reached.has(link.effect_id)) continue;
        reached.add(link.effect_id);
        frontier.push(link.effect_id);
      }
    }
    const nodes = new Map((await rowsByKey(trx, 'impact_nodes', 'request_id', [...reached])).map((row) => [row.request_id, row]));

    const updated: ImpactNodeRow[] = [];
    for (const id of region) {
      const node = nodes.get(id);
      if (!node) continue;
      const figures = impactFigures(id, nodes, outgoing);
      if (sameFigures(node, figures)) continue;
      updated.push({ ...node, ...figures });
    }
    await upsertRows(trx, 'impact_nodes', ['request_id'], updated);
  }

  private links(trx: Transaction<ReadModelTables>, column: 'cause_id' | 'effect_id', ids: string[]): Promise<ImpactLinkRow[]> {
    return rowsWhereIn(trx, 'impact_links', column, ids);
  }
}

function sameFigures(node: ImpactNodeRow, figures: ImpactFigures): boolean {
  return (Object.keys(figures) as (keyof ImpactFigures)[]).every((key) => node[key] === figures[key]);
}
