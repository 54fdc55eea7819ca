import type { Projection } from '../runner/projection';
import { DirectoryProjection } from './directory/directory.projection';
import { ImpactChainProjection } from './impact-chain/impact-chain.projection';
import { RequestSearchProjection } from './request-search/request-search.projection';
import { RequestSummariesProjection } from './request-summaries/request-summaries.projection';
import { WorkloadFactsProjection } from './workload-facts/workload-facts.projection';

export { DirectoryProjection, ImpactChainProjection, RequestSearchProjection, RequestSummariesProjection, WorkloadFactsProjection };
export * from './directory/directory.query';
export { requesterToken } from './request-search/request-search.projection';

/** Every projection the product runs. */
export function allProjections(): Projection[] {
  return [
    new RequestSummariesProjection(),
    new ImpactChainProjection(),
    new DirectoryProjection(),
    new RequestSearchProjection(),
    new WorkloadFactsProjection(),
  ];
}
