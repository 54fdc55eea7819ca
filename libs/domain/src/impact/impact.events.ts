import type { DomainEvent } from '../shared/event';
import type { ImpactRelation } from '../shared/vocabulary';

/**
 * Impact links live in one stream, `impact-graph`, whose revision serialises
 * every link and unlink: a cycle check made against revision N is only
 * appended if the graph is still at N, so two links that would together
 * close a cycle can never both be accepted (see docs in impact.decide.ts).
 */
export const IMPACT_GRAPH_STREAM = 'impact-graph';

export type ImpactLinked = DomainEvent<'ImpactLinked', { causeRequestId: string; effectRequestId: string; relation: ImpactRelation }>;

export type ImpactUnlinked = DomainEvent<'ImpactUnlinked', { causeRequestId: string; effectRequestId: string }>;

export type ImpactEvent = ImpactLinked | ImpactUnlinked;
