import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type {
  CustomerCommand,
  CustomerEvent,
  CustomerState,
  DepartmentCommand,
  DepartmentEvent,
  DepartmentState,
  ImpactCommand,
  ImpactEvent,
  ImpactGraphState,
  RequestCommand,
  RequestEvent,
  RequestState,
} from '@desk/domain';
import { customerAggregate, departmentAggregate, impactAggregate, requestAggregate } from './aggregates';
import { AggregateCommandHandler, Write, type CommandResult, type WriteDependencies } from './command-handler';

/**
 * The write of each aggregate, as a message of the @nestjs/cqrs command bus
 * (the HTTP routes' way in), and its handler: the one write path bound to
 * that aggregate. Callers outside the HTTP layer call the same handler
 * instance's execute() with the same message.
 */
export class RequestWrite extends Write<RequestState, RequestCommand> {}
export class DepartmentWrite extends Write<DepartmentState, DepartmentCommand> {}
export class CustomerWrite extends Write<CustomerState, CustomerCommand> {}
/** Impact links are decided on the one impact-graph stream; the id names the cause request. */
export class ImpactWrite extends Write<ImpactGraphState, ImpactCommand> {}

/** Injection token of the dependencies every handler shares (one store, one repository cache, one clock). */
export const WRITE_DEPENDENCIES = Symbol('WriteDependencies');

@CommandHandler(RequestWrite)
export class RequestWriteHandler
  extends AggregateCommandHandler<RequestState, RequestCommand, RequestEvent>
  implements ICommandHandler<RequestWrite, CommandResult>
{
  constructor(@Inject(WRITE_DEPENDENCIES) dependencies: WriteDependencies) {
    super(requestAggregate, dependencies);
  }
}

@CommandHandler(DepartmentWrite)
export class DepartmentWriteHandler
  extends AggregateCommandHandler<DepartmentState, DepartmentCommand, DepartmentEvent>
  implements ICommandHandler<DepartmentWrite, CommandResult>
{
  constructor(@Inject(WRITE_DEPENDENCIES) dependencies: WriteDependencies) {
    super(departmentAggregate, dependencies);
  }
}

@CommandHandler(CustomerWrite)
export class CustomerWriteHandler
  extends AggregateCommandHandler<CustomerState, CustomerCommand, CustomerEvent>
  implements ICommandHandler<CustomerWrite, CommandResult>
{
  constructor(@Inject(WRITE_DEPENDENCIES) dependencies: WriteDependencies) {
    super(customerAggregate, dependencies);
  }
}

@CommandHandler(ImpactWrite)
export class ImpactWriteHandler
  extends AggregateCommandHandler<ImpactGraphState, ImpactCommand, ImpactEvent>
  implements ICommandHandler<ImpactWrite, CommandResult>
{
  constructor(@Inject(WRITE_DEPENDENCIES) dependencies: WriteDependencies) {
    super(impactAggregate, dependencies);
  }
}

export const WRITE_HANDLERS = [RequestWriteHandler, DepartmentWriteHandler, CustomerWriteHandler, ImpactWriteHandler];

/** The handlers of every aggregate over one store, for processes and tools that run without Nest. */
export function createWriteSide(dependencies: WriteDependencies) {
  return {
    ...dependencies,
    requests: new RequestWriteHandler(dependencies),
    departments: new DepartmentWriteHandler(dependencies),
    customers: new CustomerWriteHandler(dependencies),
    impacts: new ImpactWriteHandler(dependencies),
  };
}

export type WriteSide = ReturnType<typeof createWriteSide>;
