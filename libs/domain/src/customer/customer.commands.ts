import type { DomainCommand } from '../shared/event';

/** Fields are as sent: the decision checks that kind fits type and that internal customers name an existing department. */
export type RegisterCustomer = DomainCommand<
  'RegisterCustomer',
  {
    customerId: string;
    name: string;
    type: 'internal' | 'external';
    kind: string;
    departmentId?: string;
    customerFacing?: boolean;
  }
>;

export type CustomerCommand = RegisterCustomer;
