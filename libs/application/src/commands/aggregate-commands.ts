import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  IMPACT_GRAPH_STREAM,
  customerDecider,
  customerLookups,
  customerStream,
  departmentDecider,
  departmentStream,
  impactDecider,
  impactLookups,
  requestDecider,
  requestLookups,
  requestStream,
  type CustomerCommand,
  type DepartmentCommand,
  type ImpactCommand,
  type RequestCommand,
} from '@desk/domain';
import { CommandExecutor, type CommandEnvelope, type CommandResult } from './command-executor';
import { DomainLookups } from './domain-lookups';

/**
 * One @nestjs/cqrs command per aggregate: the domain command it carries says
 * what to do, and each handler is the same thin shell (load, decide, append)
 * around that aggregate's pure decider.
 */
export class ExecuteDepartmentCommand extends Command<CommandResult> {
  constructor(
    readonly departmentId: string,
    readonly command: DepartmentCommand,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}

export class ExecuteCustomerCommand extends Command<CommandResult> {
  constructor(
    readonly customerId: string,
    readonly command: CustomerCommand,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}

export class ExecuteRequestCommand extends Command<CommandResult> {
  constructor(
    readonly requestId: string,
    readonly command: RequestCommand,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}

/** Impact links are decided on the one impact-graph stream; `id` names the cause request. */
export class ExecuteImpactCommand extends Command<CommandResult> {
  constructor(
    readonly causeRequestId: string,
    readonly command: ImpactCommand,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}

@CommandHandler(ExecuteDepartmentCommand)
export class DepartmentCommandHandler implements ICommandHandler<ExecuteDepartmentCommand, CommandResult> {
  constructor(@Inject(CommandExecutor) private readonly executor: CommandExecutor) {}

  execute({ departmentId, command, envelope }: ExecuteDepartmentCommand): Promise<CommandResult> {
    return this.executor.execute({
      id: departmentId,
      streamId: departmentStream(departmentId),
      decider: departmentDecider,
      command,
      envelope,
      context: async (_, { now, actor }) => ({ now, actor }),
    });
  }
}

@CommandHandler(ExecuteCustomerCommand)
export class CustomerCommandHandler implements ICommandHandler<ExecuteCustomerCommand, CommandResult> {
  constructor(
    @Inject(CommandExecutor) private readonly executor: CommandExecutor,
    @Inject(DomainLookups) private readonly lookups: DomainLookups,
  ) {}

  execute({ customerId, command, envelope }: ExecuteCustomerCommand): Promise<CommandResult> {
    return this.executor.execute({
      id: customerId,
      streamId: customerStream(customerId),
      decider: customerDecider,
      command,
      envelope,
      context: async (_, { now, actor }) => ({ now, actor, ...(await this.lookups.load(customerLookups(command))) }),
    });
  }
}

@CommandHandler(ExecuteRequestCommand)
export class RequestCommandHandler implements ICommandHandler<ExecuteRequestCommand, CommandResult> {
  constructor(
    @Inject(CommandExecutor) private readonly executor: CommandExecutor,
    @Inject(DomainLookups) private readonly lookups: DomainLookups,
  ) {}

  execute({ requestId, command, envelope }: ExecuteRequestCommand): Promise<CommandResult> {
    return this.executor.execute({
      id: requestId,
      streamId: requestStream(requestId),
      decider: requestDecider,
      command,
      envelope,
      context: async (state, { now, actor }) => ({ now, actor, ...(await this.lookups.load(requestLookups(command, state))) }),
    });
  }
}

@CommandHandler(ExecuteImpactCommand)
export class ImpactCommandHandler implements ICommandHandler<ExecuteImpactCommand, CommandResult> {
  constructor(
    @Inject(CommandExecutor) private readonly executor: CommandExecutor,
    @Inject(DomainLookups) private readonly lookups: DomainLookups,
  ) {}

  execute({ causeRequestId, command, envelope }: ExecuteImpactCommand): Promise<CommandResult> {
    return this.executor.execute({
      id: causeRequestId,
      streamId: IMPACT_GRAPH_STREAM,
      decider: impactDecider,
      command,
      envelope,
      context: async (_, { now, actor }) => ({ now, actor, ...(await this.lookups.load(impactLookups(command))) }),
    });
  }
}

export const COMMAND_HANDLERS = [DepartmentCommandHandler, CustomerCommandHandler, RequestCommandHandler, ImpactCommandHandler];
