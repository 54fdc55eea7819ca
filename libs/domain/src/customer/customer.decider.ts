import { decideCustomer } from './customer.decide';
import { evolveCustomer, initialCustomerState } from './customer.state';

export const customerDecider = {
  decide: decideCustomer,
  evolve: evolveCustomer,
  initialState: initialCustomerState,
};
