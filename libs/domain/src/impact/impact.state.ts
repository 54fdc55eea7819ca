import type { ImpactRelation } from '../shared/vocabulary';
import type { ImpactEvent } from './impact.events';

/** The current impact links: cause → (effect → relation). Only links that exist now; unlinked ones are gone. */
export type ImpactAdjacency = ReadonlyMap<string, ReadonlyMap<string, ImpactRelation>>;

export type ImpactGraphState =
  | { status: 'absent' }
  | {
      status: 'active';
      /** cause → effects: downstream, for cycle checks and "what does this block". */
      effectsByCause: ImpactAdjacency;
      /** effect → causes: the same links read upstream, for "what blocks this". */
      causesByEffect: ImpactAdjacency;
    };

export const initialImpactGraphState: ImpactGraphState = { status: 'absent' };

const EMPTY: ImpactAdjacency = new Map();

/**
 * Copy-on-write: only the outer maps and the two touched inner maps are
 * copied, so earlier states stay valid (the application caches them).
 */
export function evolveImpactGraph(state: ImpactGraphState, event: ImpactEvent): ImpactGraphState {
  const { causeRequestId: cause, effectRequestId: effect } = event.data;
  const effectsByCause = state.status === 'absent' ? EMPTY : state.effectsByCause;
  const causesByEffect = state.status === 'absent' ? EMPTY : state.causesByEffect;
  switch (event.type) {
    case 'ImpactLinked':
      return {
        status: 'active',
        effectsByCause: withLink(effectsByCause, cause, effect, event.data.relation),
        causesByEffect: withLink(causesByEffect, effect, cause, event.data.relation),
      };
    case 'ImpactUnlinked':
      return {
        status: 'active',
        effectsByCause: withLink(effectsByCause, cause, effect, null),
        causesByEffect: withLink(causesByEffect, effect, cause, null),
      };
    default: {
      const _: never = event;
      return state;
    }
  }
}

/**
 * Applies many events at once (loading the graph from its stream): the maps
 * are copied once, then changed in place, so loading n links costs O(n)
 * rather than the O(n²) of n copy-on-write steps. The state passed in is left
 * untouched, exactly as with evolveImpactGraph.
 */
export function evolveImpactGraphMany(state: ImpactGraphState, events: readonly ImpactEvent[]): ImpactGraphState {
  if (events.length === 0) return state;
  const effectsByCause = new Map(state.status === 'absent' ? EMPTY : state.effectsByCause);
  const causesByEffect = new Map(state.status === 'absent' ? EMPTY : state.causesByEffect);
  const copied = { effects: new Set<string>(), causes: new Set<string>() };
  const setLink = (
    adjacency: Map<string, ReadonlyMap<string, ImpactRelation>>,
    fresh: Set<string>,
    from: string,
    to: string,
    relation: ImpactRelation | null,
  ) => {
    let targets = adjacency.get(from) as Map<string, ImpactRelation> | undefined;
    if (!fresh.has(from)) {
      targets = new Map(targets ?? []);
      fresh.add(from);
      adjacency.set(from, targets);
    }
    if (relation === null) targets!.delete(to);
    else targets!.set(to, relation);
    if (targets!.size === 0) {
      adjacency.delete(from);
      fresh.delete(from);
    }
  };
  for (const event of events) {
    const { causeRequestId: cause, effectRequestId: effect } = event.data;
    const relation = event.type === 'ImpactLinked' ? event.data.relation : null;
    setLink(effectsByCause, copied.effects, cause, effect, relation);
    setLink(causesByEffect, copied.causes, effect, cause, relation);
  }
  return { status: 'active', effectsByCause, causesByEffect };
}

/** The adjacency with from → to set to `relation`, or removed when null. */
function withLink(adjacency: ImpactAdjacency, from: string, to: string, relation: ImpactRelation | null): ImpactAdjacency {
  const next = new Map(adjacency);
  const targets = new Map(adjacency.get(from) ?? []);
  if (relation === null) targets.delete(to);
  else targets.set(to, relation);
  if (targets.size === 0) next.delete(from);
  else next.set(from, targets);
  return next;
}

export interface ImpactLinkView {
  requestId: string;
  relation: ImpactRelation;
}

/** A request's direct links as plain data: what it blocks or degrades (effects), and what blocks or degrades it (causes). */
export function linksOf(state: ImpactGraphState, requestId: string): { causes: ImpactLinkView[]; effects: ImpactLinkView[] } {
  if (state.status === 'absent') return { causes: [], effects: [] };
  const view = (adjacency: ImpactAdjacency) =>
    [...(adjacency.get(requestId) ?? new Map<string, ImpactRelation>())].map(([id, relation]) => ({ requestId: id, relation }));
  return { causes: view(state.causesByEffect), effects: view(state.effectsByCause) };
}

export function impactRelation(state: ImpactGraphState, causeRequestId: string, effectRequestId: string): ImpactRelation | null {
  if (state.status === 'absent') return null;
  return state.effectsByCause.get(causeRequestId)?.get(effectRequestId) ?? null;
}

/**
 * The shortest chain of links from `from` to `to` (both included), or null
 * when `to` cannot be reached. Breadth-first, each request visited once.
 */
export function impactPath(state: ImpactGraphState, from: string, to: string): string[] | null {
  if (state.status === 'absent') return from === to ? [from] : null;
  const cameFrom = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head];
    if (current === to) {
      const path: string[] = [];
      for (let step: string | null = to; step !== null; step = cameFrom.get(step)!) path.unshift(step);
      return path;
    }
    for (const effect of state.effectsByCause.get(current)?.keys() ?? []) {
      if (!cameFrom.has(effect)) {
        cameFrom.set(effect, current);
        queue.push(effect);
      }
    }
  }
  return null;
}
