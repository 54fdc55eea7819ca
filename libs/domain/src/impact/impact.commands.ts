import type { DomainCommand } from '../shared/event';
import type { ImpactRelation } from '../shared/vocabulary';

export type LinkImpact = DomainCommand<'LinkImpact', { causeRequestId: string; effectRequestId: string; relation: ImpactRelation }>;
export type UnlinkImpact = DomainCommand<'UnlinkImpact', { causeRequestId: string; effectRequestId: string }>;

export type ImpactCommand = LinkImpact | UnlinkImpact;
