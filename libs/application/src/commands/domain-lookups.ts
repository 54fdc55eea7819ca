import type { AgentState, CustomerState, DecisionLookups, DepartmentState, DomainCommand, DomainEvent, RequestState } from '@desk/domain';
import type { AggregateRepository } from './aggregate-repository';
import { agentAggregate, customerAggregate, departmentAggregate, requestAggregate, type Aggregate, type LookedUp } from './aggregates';

/** Loads the other aggregates a decision reads (a request's department, its requester…), in parallel. */
export class DomainLookups {
  constructor(private readonly repository: AggregateRepository) {}

  async load(lookups: Partial<DecisionLookups>): Promise<LookedUp> {
    const [departments, customers, requests, agents] = await Promise.all([
      this.states(departmentAggregate, lookups.departmentIds),
      this.states(customerAggregate, lookups.customerIds),
      this.states(requestAggregate, lookups.requestIds),
      this.states(agentAggregate, lookups.agentIds),
    ]);
    return { departments, customers, requests, agents };
  }

  /** Lookups that load each aggregate once and then give it as loaded: for the commands of one write. */
  session(): { load(lookups: Partial<DecisionLookups>): Promise<LookedUp> } {
    const known = {
      departments: new Map<string, DepartmentState>(),
      customers: new Map<string, CustomerState>(),
      requests: new Map<string, RequestState>(),
      agents: new Map<string, AgentState>(),
    };
    const missing = (ids: readonly string[] | undefined, loaded: ReadonlyMap<string, unknown>) => ids?.filter((id) => !loaded.has(id));
    return {
      load: async (lookups) => {
        const departmentIds = missing(lookups.departmentIds, known.departments);
        const customerIds = missing(lookups.customerIds, known.customers);
        const requestIds = missing(lookups.requestIds, known.requests);
        const agentIds = missing(lookups.agentIds, known.agents);
        if (!departmentIds?.length && !customerIds?.length && !requestIds?.length && !agentIds?.length) return known;
        const fresh = await this.load({ departmentIds, customerIds, requestIds, agentIds });
        for (const [id, state] of fresh.departments) known.departments.set(id, state);
        for (const [id, state] of fresh.customers) known.customers.set(id, state);
        for (const [id, state] of fresh.requests) known.requests.set(id, state);
        for (const [id, state] of fresh.agents) known.agents.set(id, state);
        return known;
      },
    };
  }

  private async states<State, Command extends DomainCommand, Event extends DomainEvent>(
    aggregate: Aggregate<State, Command, Event>,
    ids: readonly string[] | undefined,
  ): Promise<Map<string, State>> {
    const unique = [...new Set(ids ?? [])];
    return new Map(await Promise.all(unique.map(async (id) => [id, (await this.repository.load(aggregate, id)).state] as const)));
  }
}
