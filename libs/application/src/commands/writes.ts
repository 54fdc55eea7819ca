import { Inject, type Type } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type {
  AgentCommand,
  AgentState,
  CustomerCommand,
  CustomerState,
  DepartmentCommand,
  DepartmentState,
  DomainCommand,
  DomainEvent,
  ImpactCommand,
  ImpactGraphState,
  RequestCommand,
  RequestState,
} from '@desk/domain';
import { agentAggregate, customerAggregate, departmentAggregate, impactAggregate, requestAggregate, type Aggregate } from './aggregates';
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
export class AgentWrite extends Write<AgentState, AgentCommand> {}
/** Impact links are decided on the one impact-graph stream; the id names the cause request. */
export class ImpactWrite extends Write<ImpactGraphState, ImpactCommand> {}

/** Injection token of the dependencies every handler shares (one store, one repository cache, one clock). */
export const WRITE_DEPENDENCIES = Symbol('WriteDependencies');

/** The handler class of one aggregate's writes, for the bus and for Nest's injector. */
function handlerOf<State, Command extends DomainCommand, Event extends DomainEvent>(
  message: Type<Write<State, Command>>,
  aggregate: Aggregate<State, Command, Event>,
) {
  @CommandHandler(message)
  class WriteHandler
    extends AggregateCommandHandler<State, Command, Event>
    implements ICommandHandler<Write<State, Command>, CommandResult>
  {
    constructor(@Inject(WRITE_DEPENDENCIES) dependencies: WriteDependencies) {
      super(aggregate, dependencies);
    }
  }
  return WriteHandler;
}

export class RequestWriteHandler extends handlerOf(RequestWrite, requestAggregate) {}
export class DepartmentWriteHandler extends handlerOf(DepartmentWrite, departmentAggregate) {}
export class CustomerWriteHandler extends handlerOf(CustomerWrite, customerAggregate) {}
export class AgentWriteHandler extends handlerOf(AgentWrite, agentAggregate) {}
export class ImpactWriteHandler extends handlerOf(ImpactWrite, impactAggregate) {}

/** What a process needs of the request handler: to hand it writes (tests give it stand-ins). */
export type RequestWrites = Pick<RequestWriteHandler, 'execute'>;

export const WRITE_HANDLERS = [RequestWriteHandler, DepartmentWriteHandler, CustomerWriteHandler, AgentWriteHandler, ImpactWriteHandler];

/** The handlers of every aggregate over one store, for processes and tools that run without Nest. */
export function createWriteSide(dependencies: WriteDependencies) {
  return {
    ...dependencies,
    requests: new RequestWriteHandler(dependencies),
    departments: new DepartmentWriteHandler(dependencies),
    customers: new CustomerWriteHandler(dependencies),
    agents: new AgentWriteHandler(dependencies),
    impacts: new ImpactWriteHandler(dependencies),
  };
}

export type WriteSide = ReturnType<typeof createWriteSide>;
