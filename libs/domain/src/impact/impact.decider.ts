import { decideImpact } from './impact.decide';
import { evolveImpactGraph, initialImpactGraphState } from './impact.state';

export const impactDecider = {
  decide: decideImpact,
  evolve: evolveImpactGraph,
  initialState: initialImpactGraphState,
};
