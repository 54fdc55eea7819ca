import type { DeskPolicies } from '@desk/domain';
import type { EventStore } from '@desk/event-store';
import { AggregateRepository } from './commands/aggregate-repository';
import { DomainLookups } from './commands/domain-lookups';
import type { WriteDependencies } from './commands/command-handler';
import type { CommandLimiter } from './commands/command-limiter';
import { createWriteSide } from './commands/writes';
import type { Clock } from './clock';
import type { CommandObserver } from './observability/desk-metrics';

/** The dependencies of the write path over one store: one repository cache, shared by the decisions and their lookups. */
export function writeDependencies(
  store: EventStore,
  clock: Clock,
  observer?: CommandObserver,
  limiter?: CommandLimiter,
  policies?: DeskPolicies,
): WriteDependencies {
  const repository = new AggregateRepository(store);
  return { store, repository, lookups: new DomainLookups(repository), clock, observer, limiter, policies };
}

/** The write side without the HTTP layer, for processes and tools that issue commands themselves (projector, import, demo). */
export function createCommandSide(store: EventStore, clock: Clock, observer?: CommandObserver) {
  return createWriteSide(writeDependencies(store, clock, observer));
}
