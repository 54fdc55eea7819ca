import {
  customerDecider,
  customerStream,
  departmentDecider,
  departmentStream,
  requestDecider,
  requestStream,
  type CustomerState,
  type DepartmentState,
  type RequestState,
} from '@desk/domain';
import type { AggregateRepository } from './aggregate-repository';

export interface Lookups {
  departmentIds?: string[];
  customerIds?: string[];
  requestIds?: string[];
}

export interface LookedUp {
  departments: ReadonlyMap<string, DepartmentState>;
  customers: ReadonlyMap<string, CustomerState>;
  requests: ReadonlyMap<string, RequestState>;
}

/** Loads the other aggregates a decision reads (a request's department, its requester…), in parallel. */
export class DomainLookups {
  constructor(private readonly repository: AggregateRepository) {}

  async load(lookups: Lookups): Promise<LookedUp> {
    const [departments, customers, requests] = await Promise.all([
      this.states(lookups.departmentIds, departmentStream, departmentDecider),
      this.states(lookups.customerIds, customerStream, customerDecider),
      this.states(lookups.requestIds, requestStream, requestDecider),
    ]);
    return { departments, customers, requests };
  }

  private async states<State>(
    ids: string[] | undefined,
    stream: (id: string) => string,
    decider: { initialState: State; evolve: (state: State, event: never) => State; decide: unknown },
  ): Promise<Map<string, State>> {
    const unique = [...new Set(ids ?? [])];
    const loaded = await Promise.all(
      unique.map(async (id) => [id, (await this.repository.load(stream(id), decider as never)).state as State] as const),
    );
    return new Map(loaded);
  }
}
