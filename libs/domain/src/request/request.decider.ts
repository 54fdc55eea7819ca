import type { Decider } from '../shared/decider';
import type { RequestCommand } from './request.commands';
import { decideRequest, type RequestDecisionContext } from './request.decide';
import type { RequestEvent } from './request.events';
import { evolveRequest, initialRequestState, type RequestState } from './request.state';

export const requestDecider: Decider<RequestState, RequestCommand, RequestEvent, RequestDecisionContext> = {
  decide: decideRequest,
  evolve: evolveRequest,
  initialState: initialRequestState,
};
