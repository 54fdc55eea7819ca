import { decideImpact } from './impact.decide';
import { evolveImpactGraph, evolveImpactGraphMany, initialImpactGraphState } from './impact.state';

export const impactDecider = {
  decide: decideImpact,
  evolve: evolveImpactGraph,
  evolveMany: evolveImpactGraphMany,
  initialState: initialImpactGraphState,
};
