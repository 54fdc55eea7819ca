import type { CustomerEvent, CustomerRegistered } from './customer.events';

/** A registered customer is exactly what was registered: internal ones carry their department and role. */
export type RegisteredCustomer = { status: 'registered' } & CustomerRegistered['data'];

export type CustomerState = { status: 'absent' } | RegisteredCustomer;

export const initialCustomerState: CustomerState = { status: 'absent' };

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'CustomerRegistered':
      return { status: 'registered', ...event.data };
    default: {
      const _: never = event.type;
      return state;
    }
  }
}
