import { AUDIENCES, IMPACT_RELATIONS, PRIORITIES, REQUEST_STATUSES } from '@desk/domain';
import type { Blocker, ChainMember, ImpactChain, ImpactRequestView, impactBlockers } from '@desk/read-models';
import { Answer } from '../http/answer-fields';

export class ImpactRequestResponse implements ImpactRequestView {
  @Answer.id()
  requestId: string;

  @Answer.string()
  subject: string;

  @Answer.id({ example: 'it' })
  departmentId: string;

  @Answer.oneOf(AUDIENCES)
  audience: string;

  @Answer.id({ example: 'cust-1' })
  requesterId: string;

  @Answer.boolean()
  exposedToExternal: boolean;

  @Answer.oneOf(REQUEST_STATUSES)
  status: string;

  @Answer.boolean()
  open: boolean;

  @Answer.oneOf(PRIORITIES)
  priority: string;

  @Answer.oneOf(PRIORITIES)
  effectivePriority: string;

  @Answer.time({ nullable: true })
  resolutionDueAt: string | null;
}

export class ChainMemberResponse extends ImpactRequestResponse implements ChainMember {
  @Answer.integer({ min: 1, example: 1, description: 'Links from the request to this one: 1 for a direct cause or effect' })
  depth: number;

  @Answer.id({ description: 'The request one step nearer on the way (the request itself at depth 1)' })
  via: string;

  @Answer.oneOf(IMPACT_RELATIONS)
  relation: string;

  @Answer.boolean({ description: 'True while every link on the way holds: each request along it still open' })
  blocking: boolean;
}

export class ImpactChainResponse implements ImpactChain {
  @Answer.nested(() => ImpactRequestResponse)
  request: ImpactRequestResponse;

  @Answer.list(() => ChainMemberResponse, { description: 'Upstream, transitively' })
  causes: ChainMemberResponse[];

  @Answer.list(() => ChainMemberResponse, { description: 'Downstream, transitively' })
  effects: ChainMemberResponse[];

  @Answer.count({ description: 'Open external requests downstream, through links that hold' })
  externalRequestsAffected: number;

  @Answer.count({ description: 'Their distinct requesters' })
  externalCustomersAffected: number;

  @Answer.time({ nullable: true, description: 'The earliest resolution due time of an external request downstream' })
  inheritedDeadline: string | null;

  @Answer.count()
  blocksRequests: number;

  @Answer.count()
  blocksExposedRequests: number;
}

export class BlockerResponse extends ImpactRequestResponse implements Blocker {
  @Answer.count()
  blocksExternalCustomers: number;

  @Answer.count()
  blocksExternalRequests: number;

  @Answer.count()
  blocksExposedRequests: number;

  @Answer.count()
  blocksRequests: number;

  @Answer.time({ nullable: true })
  inheritedDeadline: string | null;
}

type BlockerPage = Awaited<ReturnType<typeof impactBlockers>>;

export class BlockerPageResponse implements BlockerPage {
  @Answer.list(() => BlockerResponse, { description: 'By external customers blocked, then external requests, then inherited deadline' })
  items: BlockerResponse[];

  @Answer.string({ nullable: true, description: 'Pass back as cursor for the next page; null on the last' })
  nextCursor: string | null;
}
