import { EXTERNAL_CUSTOMER_KINDS, INTERNAL_CUSTOMER_KINDS, type CustomerKind, type RegisteredCustomer } from '@desk/domain';
import { Answer } from '../http/answer-fields';

/** What GET /customers/{id} answers: the customer as registered, internal or external, with the revision (also the ETag). */
export type CustomerView = RegisteredCustomer & { revision: string };
type InternalCustomerView = Extract<CustomerView, { type: 'internal' }>;
type ExternalCustomerView = Extract<CustomerView, { type: 'external' }>;

export class InternalCustomerResponse implements InternalCustomerView {
  @Answer.oneOf(['registered'])
  status: 'registered';

  @Answer.id({ example: 'emp-7' })
  customerId: string;

  @Answer.string({ example: 'Robin Peeters' })
  name: string;

  @Answer.oneOf(['internal'])
  type: 'internal';

  @Answer.oneOf(INTERNAL_CUSTOMER_KINDS)
  kind: CustomerKind;

  @Answer.id({ example: 'sales', description: 'The department they work in' })
  departmentId: string;

  @Answer.boolean({ description: 'Receptionists, sales, support…: their requests are exposed to external customers' })
  customerFacing: boolean;

  @Answer.position({ example: '0', description: 'The stream revision (also the ETag)' })
  revision: string;
}

export class ExternalCustomerResponse implements ExternalCustomerView {
  @Answer.oneOf(['registered'])
  status: 'registered';

  @Answer.id({ example: 'cust-1' })
  customerId: string;

  @Answer.string({ example: 'Acme Ltd' })
  name: string;

  @Answer.oneOf(['external'])
  type: 'external';

  @Answer.oneOf(EXTERNAL_CUSTOMER_KINDS)
  kind: CustomerKind;

  @Answer.position({ example: '0', description: 'The stream revision (also the ETag)' })
  revision: string;
}
