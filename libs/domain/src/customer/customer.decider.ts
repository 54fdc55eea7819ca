import type { Decider } from '../shared/decider';
import type { CustomerCommand } from './customer.commands';
import { decideCustomer, type CustomerDecisionContext } from './customer.decide';
import type { CustomerEvent } from './customer.events';
import { evolveCustomer, initialCustomerState, type CustomerState } from './customer.state';

export const customerDecider: Decider<CustomerState, CustomerCommand, CustomerEvent, CustomerDecisionContext> = {
  decide: decideCustomer,
  evolve: evolveCustomer,
  initialState: initialCustomerState,
};
