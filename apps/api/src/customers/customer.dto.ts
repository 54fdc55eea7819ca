import {
  AUDIENCES,
  EXTERNAL_CUSTOMER_KINDS,
  INTERNAL_CUSTOMER_KINDS,
  TEXT_LIMITS,
  registerCustomerProblems,
  type Audience,
  type RegisterCustomer,
} from '@desk/domain';
import { BooleanField, EnumField, IdField, TextField } from '../http/fields';
import { DirectoryQuery } from '../agents/directory-query';

export class RegisterCustomerBody {
  @IdField({ example: 'reception-anna', description: "A requester's token subject is this id. An id holding ':' is an import's (403)" })
  id: string;

  @TextField(TEXT_LIMITS.name, { example: 'Anna Peeters' })
  name: string;

  @EnumField(AUDIENCES)
  type: Audience;

  @EnumField([...INTERNAL_CUSTOMER_KINDS, ...EXTERNAL_CUSTOMER_KINDS], {
    description: `internal: ${INTERNAL_CUSTOMER_KINDS.join(', ')}; external: ${EXTERNAL_CUSTOMER_KINDS.join(', ')}`,
  })
  kind: string;

  @IdField({ optional: true, description: 'Internal customers only: the department they belong to' })
  departmentId?: string;

  @BooleanField({ optional: true, description: 'Internal customers only: receptionists, sales, support…' })
  customerFacing?: boolean;

  /** A kind that fits the type; a department and a customer-facing role for internal customers only. */
  static domainProblems(body: RegisterCustomerBody): Record<string, string> {
    const { customerId, ...fields } = registerCustomerProblems(customerCommandData.register(body)).fields;
    return customerId === undefined ? fields : { id: customerId, ...fields };
  }
}

/** The command data each body stands for: the controller sends it, and the DTO–domain agreement spec decides it. */
export const customerCommandData = {
  register: (body: RegisterCustomerBody): RegisterCustomer['data'] => ({
    customerId: body.id,
    name: body.name,
    type: body.type,
    kind: body.kind,
    departmentId: body.departmentId,
    customerFacing: body.customerFacing,
  }),
};

export class CustomersQuery extends DirectoryQuery {
  @EnumField(AUDIENCES, { optional: true })
  type?: Audience;

  @EnumField([...INTERNAL_CUSTOMER_KINDS, ...EXTERNAL_CUSTOMER_KINDS], { optional: true })
  kind?: string;

  @IdField({ optional: true, description: 'Only internal customers of this department' })
  departmentId?: string;
}
