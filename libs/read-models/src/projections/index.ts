import type { Projection } from '../runner/projection';
import { ImpactChainProjection } from './impact-chain/impact-chain.projection';
import { RequestSummariesProjection } from './request-summaries/request-summaries.projection';

export { ImpactChainProjection, RequestSummariesProjection };

/** Every projection the product runs. */
export function allProjections(): Projection[] {
  return [new RequestSummariesProjection(), new ImpactChainProjection()];
}
