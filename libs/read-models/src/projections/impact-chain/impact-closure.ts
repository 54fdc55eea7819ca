import type { ImpactLinkRow, ImpactNodeRow } from '../../store/read-model-tables';
import { priorityOfRank } from '../priority-rank';

export type ImpactFigures = Pick<
  ImpactNodeRow,
  | 'effective_priority'
  | 'effective_rank'
  | 'blocks_requests'
  | 'blocks_external_requests'
  | 'blocks_external_customers'
  | 'blocks_exposed_requests'
  | 'inherited_deadline'
>;

/**
 * What a request transitively blocks, through links that still hold: a link
 * blocks while both its cause and its effect are open (a resolved cause stops
 * blocking; reopening it restores the link). Pure: the caller loads the part
 * of the graph below the request.
 */
export function impactFigures(
  requestId: string,
  nodes: ReadonlyMap<string, ImpactNodeRow>,
  outgoing: ReadonlyMap<string, readonly ImpactLinkRow[]>,
): ImpactFigures {
  const root = nodes.get(requestId);
  const own = root?.priority_rank ?? 3;
  const figures: ImpactFigures = {
    effective_priority: priorityOfRank(own),
    effective_rank: own,
    blocks_requests: 0,
    blocks_external_requests: 0,
    blocks_external_customers: 0,
    blocks_exposed_requests: 0,
    inherited_deadline: null,
  };
  if (!root || root.is_open !== 1) return figures;
  const seen = new Set([requestId]);
  const customers = new Set<string>();
  const frontier = [requestId];
  while (frontier.length > 0) {
    const cause = frontier.pop()!;
    for (const link of outgoing.get(cause) ?? []) {
      const effect = nodes.get(link.effect_id);
      if (!effect || effect.is_open !== 1 || seen.has(link.effect_id)) continue;
      seen.add(link.effect_id);
      frontier.push(link.effect_id);
      figures.blocks_requests++;
      figures.effective_rank = Math.min(figures.effective_rank, effect.priority_rank);
      if (effect.audience === 'external') {
        figures.blocks_external_requests++;
        customers.add(effect.requester_id);
        if (effect.resolution_due_at && (figures.inherited_deadline === null || effect.resolution_due_at < figures.inherited_deadline)) {
          figures.inherited_deadline = effect.resolution_due_at;
        }
      } else if (effect.exposed_to_external === 1) {
        figures.blocks_exposed_requests++;
      }
    }
  }
  figures.blocks_external_customers = customers.size;
  figures.effective_priority = priorityOfRank(figures.effective_rank);
  return figures;
}
