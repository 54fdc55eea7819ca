import { CommandRefusedError, ForbiddenError, InvalidCommandError, NotFoundError } from '../shared/errors';
import { agent, hrDepartment, manager, system } from '../testing/fixtures';
import { specification, stateAfter } from '../testing/specification';
import type { RegisterCustomer } from './customer.commands';
import { customerLookups, type CustomerDecisionContext } from './customer.decide';
import { customerDecider } from './customer.decider';
import type { CustomerRegistered } from './customer.events';

const now = new Date('2025-03-03T08:00:00.000Z');
const context: CustomerDecisionContext = { now, actor: manager, departments: new Map([['hr', hrDepartment]]) };
const customer = specification(customerDecider);

function register(data: Partial<RegisterCustomer['data']>): RegisterCustomer {
  return {
    type: 'RegisterCustomer',
    data: { customerId: 'c-1', name: 'Eva', type: 'internal', kind: 'employee', departmentId: 'hr', ...data },
  };
}

const registeredEva: CustomerRegistered = {
  type: 'CustomerRegistered',
  data: { customerId: 'c-1', name: 'Eva', type: 'internal', kind: 'employee', departmentId: 'hr', customerFacing: false },
};

describe('RegisterCustomer', () => {
  it('registers an internal customer; customerFacing defaults to false', () => {
    customer.given([]).when(register({}), context).then([registeredEva]);
  });

  it('registers a customer-facing employee', () => {
    customer
      .given([])
      .when(register({ kind: 'contractor', customerFacing: true }), context)
      .then([
        {
          type: 'CustomerRegistered',
          data: { customerId: 'c-1', name: 'Eva', type: 'internal', kind: 'contractor', departmentId: 'hr', customerFacing: true },
        },
      ]);
  });

  it('registers an external customer without department', () => {
    customer
      .given([])
      .when({ type: 'RegisterCustomer', data: { customerId: 'x-1', name: 'City of Ghent', type: 'external', kind: 'government' } }, context)
      .then([{ type: 'CustomerRegistered', data: { customerId: 'x-1', name: 'City of Ghent', type: 'external', kind: 'government' } }]);
  });

  it("keeps ids with ':' for the desk's own processes: an import registers its requesters as <source>:<id>", () => {
    customer
      .given([])
      .when(register({ customerId: 'volvo:eva' }), context)
      .thenThrows(ForbiddenError, `a manager may not create customer volvo:eva: ids with ':' are reserved for the desk's own processes`);
    customer
      .given([])
      .when(register({ customerId: 'volvo:eva' }), { ...context, actor: system })
      .then([{ ...registeredEva, data: { ...registeredEva.data, customerId: 'volvo:eva' } }]);
  });

  it('refuses a customer that already exists', () => {
    customer
      .given([registeredEva])
      .when(register({}), context)
      .thenThrows(CommandRefusedError, 'cannot register customer c-1: it is already registered');
  });

  it('refuses a kind that does not fit the type', () => {
    const internal = customer
      .given([])
      .when(register({ kind: 'business' }), context)
      .thenThrows(InvalidCommandError);
    expect(internal.fields).toEqual({
      kind: 'must be one of employee, temporary, contractor, owner, shareholder for an internal customer',
    });
    const external = customer
      .given([])
      .when({ type: 'RegisterCustomer', data: { customerId: 'x-1', name: 'X', type: 'external', kind: 'owner' } }, context)
      .thenThrows(InvalidCommandError);
    expect(external.fields).toEqual({ kind: 'must be one of individual, business, government, nonprofit for an external customer' });
  });

  it('needs the department of an internal customer, and that it exists', () => {
    const missing = customer
      .given([])
      .when(register({ departmentId: undefined }), context)
      .thenThrows(InvalidCommandError);
    expect(missing.fields).toEqual({ departmentId: 'is required for an internal customer' });
    customer
      .given([])
      .when(register({ departmentId: 'kitchen' }), context)
      .thenThrows(NotFoundError, 'department kitchen does not exist');
  });

  it('refuses a department or customer-facing flag on an external customer', () => {
    const error = customer
      .given([])
      .when(register({ type: 'external', kind: 'business', departmentId: 'hr', customerFacing: false }), context)
      .thenThrows(InvalidCommandError);
    expect(Object.keys(error.fields!)).toEqual(['departmentId', 'customerFacing']);
  });

  it('refuses a bad type, id and name', () => {
    const error = customer
      .given([])
      .when(register({ customerId: '', name: '', type: 'partner' as never }), context)
      .thenThrows(InvalidCommandError);
    expect(Object.keys(error.fields!)).toEqual(['customerId', 'name', 'type']);
  });

  it('is refused to agents', () => {
    customer
      .given([])
      .when(register({}), { ...context, actor: agent })
      .thenThrows(ForbiddenError, 'register a customer');
  });
});

describe('customerLookups', () => {
  it("loads an internal customer's department, nothing for an external one", () => {
    expect(customerLookups(register({}))).toEqual({ departmentIds: ['hr'], customerIds: [], requestIds: [] });
    expect(customerLookups(register({ type: 'external', departmentId: undefined }))).toEqual({
      departmentIds: [],
      customerIds: [],
      requestIds: [],
    });
  });
});

describe('customer state', () => {
  it('is absent, then what was registered', () => {
    expect(customerDecider.initialState).toEqual({ status: 'absent' });
    expect(stateAfter(customerDecider, [registeredEva])).toEqual({ status: 'registered', ...registeredEva.data });
  });
});
