import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  IMPACT_GRAPH_STREAM,
  OPEN_STATUSES,
  type Actor,
  type AgentCommand,
  type AgentState,
  type CustomerCommand,
  type CustomerState,
  type DepartmentCommand,
  type DepartmentState,
  type DomainCommand,
  type DomainEvent,
  type ImpactCommand,
  type ImpactGraphState,
  type RequestCommand,
  type RequestState,
} from '@desk/domain';
import { SqliteEventStore, type EventMetadata, type EventToAppend, type RecordedEvent } from '@desk/event-store';
import {
  agentAggregate,
  customerAggregate,
  decideStep,
  departmentAggregate,
  impactAggregate,
  importCsv,
  parseMapping,
  requestAggregate,
  type Aggregate,
} from '@desk/application';
import { seededRandom, type Random } from '../support/seeded-random';

export const ROOT = resolve(__dirname, '../..');
export const VOLVO_CSV = resolve(ROOT, '../shared/data/bpi2013/volvo-it-incidents.csv');
export const VOLVO_MAPPING = resolve(ROOT, 'mappings/volvo-it-incidents.json');

/** One event of the generated log, in log order, with the stream it belongs to. */
export interface GeneratedEvent {
  streamId: string;
  event: EventToAppend;
}

export interface GeneratedHistory {
  events: GeneratedEvent[];
  copies: number;
  volvoEvents: number;
  externalEvents: number;
  impactEvents: number;
  rejectedActions: number;
}

const DAY = 86_400_000;
/** Each copy of the Volvo desk starts this much later than the one before: a busier desk, not a longer one. */
const COPY_SHIFT = 9 * DAY;
const ID_KEYS = new Set(['requestId', 'requesterId', 'customerId', 'followUpOf', 'blockingRequestId', 'causeRequestId', 'effectRequestId']);
const CARE = 'customer-care';
const MANAGER: Actor = { id: 'mgr-bench', role: 'manager' };
const EXTERNAL_KINDS = ['individual', 'business', 'government', 'nonprofit'] as const;

/**
 * A realistic desk of `size` events, the same for the same seed: the Volvo IT
 * incident log (imported through the product's own importer) replayed in
 * copies with fresh ids and shifted times, interleaved with external
 * customers' requests to a customer-care department that has a service
 * standard, and impact links from open Volvo incidents to them. Every added
 * event is decided by the real deciders against the state at its time; the
 * log is in business-time order, as a desk would have written it.
 */
export async function generateHistory(options: { seed: number; size: number }): Promise<GeneratedHistory> {
  const random = seededRandom(options.seed);
  const base = await importedVolvoLog();
  const start = Date.parse(base[0].metadata.occurredAt);
  const span = Date.parse(base[base.length - 1].metadata.occurredAt) - start;
  // Enough copies to reach the size with the Volvo events alone; the log is cut at the size.
  const copies = Math.max(1, Math.ceil(options.size / base.length));

  // Volvo copies, as (time, copy, index) triples sorted once: 1M small tuples, not 1M events.
  const slots: { at: number; copy: number; index: number }[] = [];
  for (let copy = 0; copy < copies; copy++) {
    base.forEach((event, index) => {
      // Departments and agents are the same in every copy: the same people work the copied incidents.
      if (copy > 0 && (event.streamId.startsWith('department-') || event.streamId.startsWith('agent-'))) return;
      slots.push({ at: Date.parse(event.metadata.occurredAt) + copy * COPY_SHIFT, copy, index });
    });
  }
  // Stable: events of one stream keep their order when their times tie.
  slots.sort((a, b) => a.at - b.at || a.copy - b.copy || a.index - b.index);

  const actions = externalActions(random, start, span + copies * COPY_SHIFT, copies, base.length);
  const desk = new SimulatedDesk(options.seed);
  const out: GeneratedEvent[] = [];
  let next = 0;
  let volvoEvents = 0;
  let rejectedActions = 0;
  desk.setUp(new Date(start - DAY), out);
  for (const slot of slots) {
    while (next < actions.length && actions[next].at <= slot.at) {
      if (!desk.act(actions[next], out)) rejectedActions++;
      next++;
    }
    if (out.length >= options.size) break;
    const copied = copyEvent(base[slot.index], slot.copy, slot.at, options.seed);
    desk.observe(copied);
    out.push(copied);
    volvoEvents++;
  }
  for (; next < actions.length && out.length < options.size; next++) if (!desk.act(actions[next], out)) rejectedActions++;
  out.length = Math.min(out.length, options.size);
  const impactEvents = out.filter((e) => e.streamId === IMPACT_GRAPH_STREAM).length;
  return {
    events: out,
    copies,
    volvoEvents,
    externalEvents: out.length - volvoEvents - impactEvents,
    impactEvents,
    rejectedActions,
  };
}

/** The Volvo log as the product imports it, in log order. */
async function importedVolvoLog(): Promise<RecordedEvent[]> {
  const store = new SqliteEventStore(':memory:');
  try {
    await importCsv({ store, mapping: parseMapping(JSON.parse(readFileSync(VOLVO_MAPPING, 'utf8'))), file: VOLVO_CSV });
    const events: RecordedEvent[] = [];
    for (let page = await store.readAll({ maxCount: 10_000 }); page.length > 0;) {
      events.push(...page);
      page = await store.readAll({ after: page[page.length - 1].position, maxCount: 10_000 });
    }
    return events;
  } finally {
    await store.close();
  }
}

function copyId(id: string, copy: number): string {
  return copy === 0 ? id : `${id}.c${copy}`;
}

function copyEvent(event: RecordedEvent, copy: number, at: number, seed: number): GeneratedEvent {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.data)) {
    data[key] = ID_KEYS.has(key) && typeof value === 'string' ? copyId(value, copy) : value;
  }
  const shared = event.streamId.startsWith('department-') || event.streamId.startsWith('agent-');
  const streamId = shared ? event.streamId : copyStream(event.streamId, copy);
  const metadata: EventMetadata = {
    ...event.metadata,
    correlationId: `${event.metadata.correlationId}:c${copy}`,
    causationId: `${event.metadata.causationId}:c${copy}`,
    occurredAt: new Date(at).toISOString(),
    importSource: `generated:${seed}`,
  };
  return { streamId, event: { id: uuidOf(`${seed}|${copy}|${event.id}`), type: event.type, data, metadata } };
}

function copyStream(streamId: string, copy: number): string {
  const dash = streamId.indexOf('-');
  return `${streamId.slice(0, dash)}-${copyId(streamId.slice(dash + 1), copy)}`;
}

function uuidOf(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

type Action =
  | { at: number; kind: 'register'; customerId: string; customerKind: (typeof EXTERNAL_KINDS)[number] }
  | { at: number; kind: 'open'; requestId: string; customerId: string; priority: 'critical' | 'high' | 'medium' | 'low' }
  | {
      at: number;
      kind: 'step';
      requestId: string;
      step: 'assign' | 'start' | 'hold' | 'resume' | 'resolve' | 'close' | 'rate';
      value?: number;
    }
  | { at: number; kind: 'link'; effectRequestId: string; relation: 'blocks' | 'degrades' }
  | { at: number; kind: 'unlink'; effectRequestId: string };

/** External customers and their requests' lifecycles, spread over the whole span, in time order. */
function externalActions(random: Random, start: number, span: number, copies: number, baseEvents: number): Action[] {
  const actions: Action[] = [];
  // About 6% of the Volvo volume again, at about 6 events per request.
  const requests = Math.round((copies * baseEvents * 0.06) / 7);
  const customers = Math.max(20, Math.round(requests / 4));
  for (let c = 0; c < customers; c++) {
    actions.push({ at: start + random() * span * 0.2, kind: 'register', customerId: `ext-${c}`, customerKind: EXTERNAL_KINDS[c % 4] });
  }
  const priorities = ['critical', 'high', 'medium', 'medium', 'low'] as const;
  for (let r = 0; r < requests; r++) {
    const requestId = `ext-req-${r}`;
    let at = start + span * 0.2 + random() * span * 0.8;
    const minutes = (n: number) => (at += n * 60_000);
    actions.push({ at, kind: 'open', requestId, customerId: `ext-${Math.floor(random() * customers)}`, priority: priorities[r % 5] });
    if (random() < 0.35) {
      minutes(1 + random() * 30);
      actions.push({ at, kind: 'link', effectRequestId: requestId, relation: random() < 0.7 ? 'blocks' : 'degrades' });
    }
    actions.push({ at: minutes(5 + random() * 120), kind: 'step', requestId, step: 'assign' });
    actions.push({ at: minutes(1 + random() * 60), kind: 'step', requestId, step: 'start' });
    if (random() < 0.2) {
      actions.push({ at: minutes(10 + random() * 600), kind: 'step', requestId, step: 'hold' });
      actions.push({ at: minutes(30 + random() * 2000), kind: 'step', requestId, step: 'resume' });
    }
    if (random() < 0.1) actions.push({ at: minutes(5 + random() * 60), kind: 'unlink', effectRequestId: requestId });
    if (random() < 0.85) {
      actions.push({ at: minutes(30 + random() * 3000), kind: 'step', requestId, step: 'resolve' });
      if (random() < 0.6)
        actions.push({ at: minutes(60 + random() * 1000), kind: 'step', requestId, step: 'rate', value: 1 + Math.floor(random() * 5) });
      if (random() < 0.7) actions.push({ at: minutes(60 + random() * 4000), kind: 'step', requestId, step: 'close' });
    }
  }
  return actions.sort((a, b) => a.at - b.at);
}

/**
 * Keeps the aggregates' states as the log grows and decides the generated
 * commands against them, through the write path's own decision step (the
 * real deciders and the metadata every event carries): the events are what
 * the desk would have written, without a store in the loop.
 */
class SimulatedDesk {
  private readonly departments = new Map<string, DepartmentState>();
  private readonly customers = new Map<string, CustomerState>();
  private readonly requests = new Map<string, RequestState>();
  private readonly agents = new Map<string, AgentState>();
  private graph: ImpactGraphState = impactAggregate.decider.initialState;
  /** Volvo incidents open now, the candidates for causes of external trouble. */
  private readonly openIncidents = new Set<string>();
  private readonly causeOf = new Map<string, string>();
  private sequence = 0;

  constructor(private readonly seed: number) {}

  setUp(at: Date, out: GeneratedEvent[]): void {
    this.department(out, at, { type: 'RegisterDepartment', data: { departmentId: CARE, name: 'Customer care' } });
    this.department(out, at, {
      type: 'PublishServiceStandard',
      data: {
        targets: (['critical', 'high', 'medium', 'low'] as const).map((priority, i) => ({
          priority,
          audience: 'external' as const,
          firstResponseMinutes: [15, 60, 240, 480][i],
          resolutionMinutes: [240, 960, 2880, 7200][i],
        })),
        calendar: null,
      },
    });
    for (let n = 0; n < CARE_AGENTS; n++) {
      const { id } = agentFor(n);
      this.agent(out, at, id, { type: 'RegisterAgent', data: { agentId: id, name: `Care agent ${n}`, departmentIds: [CARE], tier: 'L1' } });
    }
  }

  /** A copied Volvo event: fold it into the state the generated commands are decided against. */
  observe({ streamId, event }: GeneratedEvent): void {
    const recorded = { ...event, streamId, revision: 0n, position: 0n, recordedAt: new Date(0) };
    if (streamId.startsWith('request-')) {
      const id = streamId.slice('request-'.length);
      const state = requestAggregate.decider.evolve(
        this.requests.get(id) ?? requestAggregate.decider.initialState,
        requestAggregate.decode(recorded),
      );
      this.requests.set(id, state);
      if (state.status !== 'absent' && OPEN_STATUSES.includes(state.status)) this.openIncidents.add(id);
      else this.openIncidents.delete(id);
    } else if (streamId.startsWith('customer-')) {
      const id = streamId.slice('customer-'.length);
      const { decider, decode } = customerAggregate;
      this.customers.set(id, decider.evolve(this.customers.get(id) ?? decider.initialState, decode(recorded)));
    } else if (streamId.startsWith('department-')) {
      const id = streamId.slice('department-'.length);
      const { decider, decode } = departmentAggregate;
      this.departments.set(id, decider.evolve(this.departments.get(id) ?? decider.initialState, decode(recorded)));
    } else if (streamId.startsWith('agent-')) {
      const id = streamId.slice('agent-'.length);
      const { decider, decode } = agentAggregate;
      this.agents.set(id, decider.evolve(this.agents.get(id) ?? decider.initialState, decode(recorded)));
    }
  }

  /** Decides one generated action; false when the deciders refuse it (the desk moved on meanwhile). */
  act(action: Action, out: GeneratedEvent[]): boolean {
    const now = new Date(action.at);
    // One agent looks after a request from assignment to closure, as the deciders require.
    const agent = agentFor('requestId' in action ? Number(action.requestId.slice('ext-req-'.length)) : this.sequence);
    try {
      switch (action.kind) {
        case 'register': {
          const command: CustomerCommand = {
            type: 'RegisterCustomer',
            data: { customerId: action.customerId, name: `Customer ${action.customerId}`, type: 'external', kind: action.customerKind },
          };
          this.customers.set(action.customerId, this.write(out, customerAggregate, action.customerId, undefined, command, now, MANAGER));
          return true;
        }
        case 'open':
          this.request(out, action.requestId, now, agent, {
            type: 'OpenRequest',
            data: {
              requestId: action.requestId,
              requesterId: action.customerId,
              departmentId: CARE,
              subject: `Order trouble ${action.requestId}`,
              description: 'generated',
              priority: action.priority,
              channel: 'portal',
            },
          });
          return true;
        case 'step':
          return this.step(out, action, now, agent);
        case 'link': {
          const incidents = [...this.openIncidents];
          if (incidents.length === 0) return false;
          const cause = incidents[this.sequence++ % incidents.length];
          this.impact(out, now, {
            type: 'LinkImpact',
            data: { causeRequestId: cause, effectRequestId: action.effectRequestId, relation: action.relation },
          });
          this.causeOf.set(action.effectRequestId, cause);
          return true;
        }
        case 'unlink': {
          const cause = this.causeOf.get(action.effectRequestId);
          if (!cause) return false;
          this.impact(out, now, { type: 'UnlinkImpact', data: { causeRequestId: cause, effectRequestId: action.effectRequestId } });
          this.causeOf.delete(action.effectRequestId);
          return true;
        }
      }
    } catch (error) {
      if (process.env.BENCH_DEBUG) console.error(action.kind, (action as { step?: string }).step, (error as Error).message);
      return false;
    }
  }

  private step(out: GeneratedEvent[], action: Extract<Action, { kind: 'step' }>, now: Date, agent: Actor): boolean {
    const id = action.requestId;
    const commands: Record<typeof action.step, RequestCommand> = {
      assign: { type: 'AssignRequest', data: { agentId: agent.id } },
      start: { type: 'StartWork', data: {} },
      hold: { type: 'PutOnHold', data: { reason: 'awaiting_requester' } },
      resume: { type: 'ResumeWork', data: {} },
      resolve: { type: 'ResolveRequest', data: { resolution: 'fixed' } },
      close: { type: 'CloseRequest', data: {} },
      rate: { type: 'RateSatisfaction', data: { score: action.value ?? 4 } },
    };
    const state = this.requests.get(id);
    const requester = state && state.status !== 'absent' ? state.requesterId : 'unknown';
    const actor: Actor = action.step === 'rate' ? { id: requester, role: 'requester' } : agent;
    this.request(out, id, now, actor, commands[action.step]);
    return true;
  }

  private request(out: GeneratedEvent[], id: string, now: Date, actor: Actor, command: RequestCommand): void {
    this.requests.set(id, this.write(out, requestAggregate, id, this.requests.get(id), command, now, actor));
  }

  private department(out: GeneratedEvent[], now: Date, command: DepartmentCommand): void {
    this.departments.set(CARE, this.write(out, departmentAggregate, CARE, this.departments.get(CARE), command, now, MANAGER));
  }

  private agent(out: GeneratedEvent[], now: Date, id: string, command: AgentCommand): void {
    this.agents.set(id, this.write(out, agentAggregate, id, this.agents.get(id), command, now, MANAGER));
  }

  private impact(out: GeneratedEvent[], now: Date, command: ImpactCommand): void {
    this.graph = this.write(out, impactAggregate, command.data.causeRequestId, this.graph, command, now, agentFor(this.sequence));
  }

  /** One command decided as the write path decides it, against the states kept here; its events go to the log in order. */
  private write<State, Command extends DomainCommand, Event extends DomainEvent>(
    out: GeneratedEvent[],
    aggregate: Aggregate<State, Command, Event>,
    id: string,
    state: State | undefined,
    command: Command,
    now: Date,
    actor: Actor,
  ): State {
    const commandId = uuidOf(`${this.seed}|corr|${++this.sequence}`);
    const decided = decideStep(
      aggregate,
      state ?? aggregate.decider.initialState,
      { command, eventIdSeed: `${this.seed}|gen|${this.sequence}` },
      { commandId, correlationId: commandId, actor, now },
      { departments: this.departments, customers: this.customers, requests: this.requests, agents: this.agents },
    );
    const streamId = aggregate.streamOf(id);
    for (const event of decided.toAppend) out.push({ streamId, event });
    return decided.state;
  }
}

const CARE_AGENTS = 12;

function agentFor(sequence: number): Actor {
  return { id: `care-agent-${sequence % CARE_AGENTS}`, role: 'agent' };
}
