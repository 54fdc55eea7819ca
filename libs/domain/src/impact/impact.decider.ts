import type { Decider } from '../shared/decider';
import type { ImpactCommand } from './impact.commands';
import { decideImpact, type ImpactDecisionContext } from './impact.decide';
import type { ImpactEvent } from './impact.events';
import { evolveImpactGraph, evolveImpactGraphMany, initialImpactGraphState, type ImpactGraphState } from './impact.state';

export const impactDecider: Decider<ImpactGraphState, ImpactCommand, ImpactEvent, ImpactDecisionContext> = {
  decide: decideImpact,
  evolve: evolveImpactGraph,
  evolveMany: evolveImpactGraphMany,
  initialState: initialImpactGraphState,
};
