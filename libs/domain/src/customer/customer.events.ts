import type { DomainEvent } from '../shared/event';
import type { CustomerKind } from '../shared/vocabulary';

export type CustomerRegistered = DomainEvent<
  'CustomerRegistered',
  | {
      customerId: string;
      name: string;
      type: 'internal';
      kind: CustomerKind;
      departmentId: string;
      /** Receptionists, sales, support…: their requests are exposed to external customers. */
      customerFacing: boolean;
    }
  | {
      customerId: string;
      name: string;
      type: 'external';
      kind: CustomerKind;
    }
>;

export type CustomerEvent = CustomerRegistered;
