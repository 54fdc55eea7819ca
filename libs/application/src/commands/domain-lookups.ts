import type { DecisionLookups, DomainCommand, DomainEvent } from '@desk/domain';
import type { AggregateRepository } from './aggregate-repository';
import { customerAggregate, departmentAggregate, requestAggregate, type Aggregate, type LookedUp } from './aggregates';

/** Loads the other aggregates a decision reads (a request's department, its requester…), in parallel. */
export class DomainLookups {
  constructor(private readonly repository: AggregateRepository) {}

  async load(lookups: Partial<DecisionLookups>): Promise<LookedUp> {
    const [departments, customers, requests] = await Promise.all([
      this.states(departmentAggregate, lookups.departmentIds),
      this.states(customerAggregate, lookups.customerIds),
      this.states(requestAggregate, lookups.requestIds),
    ]);
    return { departments, customers, requests };
  }

  private async states<State, Command extends DomainCommand, Event extends DomainEvent>(
    aggregate: Aggregate<State, Command, Event>,
    ids: readonly string[] | undefined,
  ): Promise<Map<string, State>> {
    const unique = [...new Set(ids ?? [])];
    return new Map(await Promise.all(unique.map(async (id) => [id, (await this.repository.load(aggregate, id)).state] as const)));
  }
}
