import type { DepartmentState } from '../department/department.state';
import { CommandRefusedError, NotFoundError } from '../shared/errors';
import type { DecisionContext } from '../shared/event';
import { ADMINISTRATOR_ROLES, refuseReservedId, requireRole } from '../shared/roles';
import { FieldProblems, TEXT_LIMITS, isOneOf } from '../shared/validation';
import { AUDIENCES, EXTERNAL_CUSTOMER_KINDS, INTERNAL_CUSTOMER_KINDS } from '../shared/vocabulary';
import type { CustomerCommand, RegisterCustomer } from './customer.commands';
import type { CustomerEvent, CustomerRegistered } from './customer.events';
import type { CustomerState } from './customer.state';

export interface CustomerDecisionContext extends DecisionContext {
  departments: ReadonlyMap<string, DepartmentState>;
}

/** Which other aggregates to load before deciding: an internal customer's department. */
export function customerLookups(command: CustomerCommand): { departmentIds: string[]; customerIds: string[]; requestIds: string[] } {
  const departmentIds =
    command.type === 'RegisterCustomer' && command.data.type === 'internal' && typeof command.data.departmentId === 'string'
      ? [command.data.departmentId]
      : [];
  return { departmentIds, customerIds: [], requestIds: [] };
}

export function decideCustomer(command: CustomerCommand, state: CustomerState, context: CustomerDecisionContext): CustomerEvent[] {
  switch (command.type) {
    case 'RegisterCustomer':
      return registerCustomer(command, state, context);
    default: {
      const _: never = command.type;
      throw new Error(`unknown customer command ${String(_)}`);
    }
  }
}

/**
 * What is wrong with a registration's fields, whatever the state: the HTTP body is checked with it too.
 * Fields are as sent: kind must fit type, and only internal customers have a department and a customer-facing role.
 */
export function registerCustomerProblems(data: RegisterCustomer['data']): FieldProblems {
  const { customerId, name, type, kind, departmentId, customerFacing } = data;
  const problems = new FieldProblems();
  problems.id('customerId', customerId);
  problems.text('name', name, TEXT_LIMITS.name);
  // A customer's type is the audience their requests have.
  problems.oneOf('type', type, AUDIENCES);
  if (type === 'internal') {
    if (!isOneOf(kind, INTERNAL_CUSTOMER_KINDS)) {
      problems.add('kind', `must be one of ${INTERNAL_CUSTOMER_KINDS.join(', ')} for an internal customer`);
    }
    if (departmentId === undefined || departmentId === null) problems.add('departmentId', 'is required for an internal customer');
    else problems.id('departmentId', departmentId);
    if (customerFacing !== undefined && typeof customerFacing !== 'boolean') problems.add('customerFacing', 'must be true or false');
  } else if (type === 'external') {
    if (!isOneOf(kind, EXTERNAL_CUSTOMER_KINDS)) {
      problems.add('kind', `must be one of ${EXTERNAL_CUSTOMER_KINDS.join(', ')} for an external customer`);
    }
    if (departmentId !== undefined && departmentId !== null) {
      problems.add('departmentId', 'must not be given for an external customer: they belong to no department');
    }
    if (customerFacing !== undefined && customerFacing !== null) {
      problems.add('customerFacing', 'must not be given for an external customer: only employees hold customer-facing roles');
    }
  } else {
    // Without a type, each field is checked alone.
    problems.oneOf('kind', kind, [...INTERNAL_CUSTOMER_KINDS, ...EXTERNAL_CUSTOMER_KINDS]);
    if (departmentId !== undefined && departmentId !== null) problems.id('departmentId', departmentId);
    if (customerFacing !== undefined && customerFacing !== null) problems.boolean('customerFacing', customerFacing);
  }
  return problems;
}

function registerCustomer(command: RegisterCustomer, state: CustomerState, context: CustomerDecisionContext): CustomerRegistered[] {
  requireRole(context.actor, ADMINISTRATOR_ROLES, 'register a customer');
  refuseReservedId(context.actor, 'customer', command.data.customerId);
  const { customerId, name, type, kind, departmentId, customerFacing } = command.data;
  registerCustomerProblems(command.data).throwIfAny(command.type);

  if (state.status !== 'absent') {
    throw new CommandRefusedError(`cannot register customer ${customerId}: it is already registered (as "${state.name}")`);
  }
  if (type === 'internal') {
    const department = context.departments.get(departmentId!);
    if (!department || department.status === 'absent') {
      throw new NotFoundError(`cannot register internal customer ${customerId}: department ${departmentId} does not exist`);
    }
    return [
      {
        type: 'CustomerRegistered',
        data: {
          customerId,
          name: name.trim(),
          type,
          kind: kind as (typeof INTERNAL_CUSTOMER_KINDS)[number],
          departmentId: departmentId!,
          customerFacing: customerFacing ?? false,
        },
      },
    ];
  }
  return [
    {
      type: 'CustomerRegistered',
      data: { customerId, name: name.trim(), type: 'external', kind: kind as (typeof EXTERNAL_CUSTOMER_KINDS)[number] },
    },
  ];
}
