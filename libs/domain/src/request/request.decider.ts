import { decideRequest } from './request.decide';
import { evolveRequest, initialRequestState } from './request.state';

export const requestDecider = {
  decide: decideRequest,
  evolve: evolveRequest,
  initialState: initialRequestState,
};
