import type { EventStore } from '@desk/event-store';
import {
  CustomerCommandHandler,
  DepartmentCommandHandler,
  ImpactCommandHandler,
  RequestCommandHandler,
} from './commands/aggregate-commands';
import { AggregateRepository } from './commands/aggregate-repository';
import { CommandExecutor } from './commands/command-executor';
import { DomainLookups } from './commands/domain-lookups';
import type { Clock } from './clock';
import type { CommandObserver } from './observability/desk-metrics';

/** The write side without the HTTP layer, for processes that issue commands themselves (the projector). */
export function createCommandSide(eventStore: EventStore, clock: Clock, observer?: CommandObserver) {
  const repository = new AggregateRepository(eventStore);
  const executor = new CommandExecutor(eventStore, repository, clock, observer);
  const lookups = new DomainLookups(repository);
  return {
    repository,
    executor,
    lookups,
    departments: new DepartmentCommandHandler(executor),
    customers: new CustomerCommandHandler(executor, lookups),
    requests: new RequestCommandHandler(executor, lookups),
    impacts: new ImpactCommandHandler(executor, lookups),
  };
}
