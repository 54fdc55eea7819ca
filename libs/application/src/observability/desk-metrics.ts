import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DomainError } from '@desk/domain';
import { observedEventStore, type EventStore } from '@desk/event-store';
import type { CommandLimiter, CommandLimiterObserver } from '../commands/command-limiter';
import { ApplicationError, CommandShedError, type ShedReason } from '../errors';
import type { ReadSide } from '../read-side';

/** How a command ended, for the refusals-by-command series. */
export type CommandOutcome =
  'accepted' | 'invalid' | 'forbidden' | 'not_found' | 'refused' | 'conflict' | 'precondition_failed' | 'shed' | 'error';

export interface CommandObserver {
  observeCommand(command: string, outcome: CommandOutcome, seconds: number): void;
}

export function outcomeOf(error: unknown): CommandOutcome {
  if (error instanceof DomainError) return error.kind;
  if (error instanceof CommandShedError) return 'shed';
  if (error instanceof ApplicationError) return error.kind === 'precondition_failed' ? 'precondition_failed' : 'conflict';
  return 'error';
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The Prometheus series of one process, in a registry of its own (several
 * desks share a test process). Projection figures are read from the read
 * side when scraped.
 */
export class DeskMetrics implements CommandObserver, CommandLimiterObserver {
  readonly registry = new Registry();
  private readonly commands = new Counter({
    name: 'desk_commands_total',
    help: 'Commands handled, by command type and outcome (accepted, or why refused)',
    labelNames: ['command', 'outcome'],
    registers: [this.registry],
  });
  private readonly commandSeconds = new Histogram({
    name: 'desk_command_duration_seconds',
    help: 'Time to load, decide and append a command, by command type',
    labelNames: ['command'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly appendSeconds = new Histogram({
    name: 'desk_event_store_append_duration_seconds',
    help: 'Event-store append latency (durable)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly appended = new Counter({
    name: 'desk_event_store_appended_events_total',
    help: 'Events appended by this process',
    registers: [this.registry],
  });
  private readonly shed = new Counter({
    name: 'desk_commands_shed_total',
    help: 'Commands dropped before they were decided, by reason: queue_full (answered 503), client_gone, deadline_passed',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'desk_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'desk_' });
  }

  observeCommand(command: string, outcome: CommandOutcome, seconds: number): void {
    this.commands.inc({ command, outcome });
    this.commandSeconds.observe({ command }, seconds);
  }

  /** A command refused before it was handled (its route's role check): counted, but it took no time to decide. */
  countRefusal(command: string, outcome: CommandOutcome): void {
    this.commands.inc({ command, outcome });
  }

  commandShed(reason: ShedReason): void {
    this.shed.inc({ reason });
  }

  /** The command limiter's places in use and waiting, read at each scrape, beside its limits. */
  watchCommands(limiter: CommandLimiter): void {
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(value());
        },
      });
    gauge('desk_commands_in_flight', 'Commands of HTTP clients being decided and appended now', () => limiter.inFlight);
    gauge('desk_commands_queued', 'Commands of HTTP clients waiting for a place now', () => limiter.queued);
    gauge(
      'desk_commands_max_in_flight',
      'Most commands decided and appended at once (COMMANDS_MAX_IN_FLIGHT)',
      () => limiter.limits.maxInFlight,
    );
    gauge('desk_commands_queue_max', 'Most commands that may wait for a place (COMMANDS_QUEUE_MAX)', () => limiter.limits.maxQueued);
  }

  /** The store, timing every append. */
  instrument(store: EventStore): EventStore {
    const { appendSeconds, appended } = this;
    return observedEventStore(store, { appendStarted: () => appendSeconds.startTimer(), eventsAppended: (count) => appended.inc(count) });
  }

  /** Projection series, computed at each scrape from the runners of this process. */
  watch(readSide: ReadSide, store: EventStore): void {
    const statuses = () => readSide.statuses();
    new Gauge({
      name: 'desk_projection_checkpoint',
      help: 'Last log position each projection applied',
      labelNames: ['projection'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of statuses()) this.set({ projection: status.name }, Number(status.checkpoint));
      },
    });
    // One read of the head per scrape (a scrape collects every series at once), shared by the series that need it; a
    // store that is down must not take every other series with it (an outage is when they matter most): it reads as null.
    let reading: Promise<bigint | null> | null = null;
    const headOfScrape = () =>
      (reading ??= store
        .headPosition()
        .catch(() => null)
        .finally(() => {
          reading = null;
        }));
    new Gauge({
      name: 'desk_event_store_up',
      help: '1 when the event store answered this scrape’s read of the head of the log, 0 when it did not (the lag series are then left out)',
      registers: [this.registry],
      async collect() {
        this.set((await headOfScrape()) === null ? 0 : 1);
      },
    });
    new Gauge({
      name: 'desk_projection_lag',
      help: 'Log positions between the head of the log and each projection’s checkpoint (events on the embedded and PostgreSQL stores)',
      labelNames: ['projection'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const list = statuses();
        const head = await headOfScrape();
        if (head === null || list.length === 0) return;
        for (const status of list) {
          const checkpoint = BigInt(status.checkpoint);
          this.set({ projection: status.name }, Number(head > checkpoint ? head - checkpoint : 0n));
        }
      },
    });
    new Gauge({
      name: 'desk_projection_events_per_second',
      help: 'Events each projection applied (or passed over) per second, over the last 5 seconds',
      labelNames: ['projection'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of statuses()) this.set({ projection: status.name }, status.rate);
      },
    });
    new Gauge({
      name: 'desk_projection_state',
      help: '1 for the state each projection is in',
      labelNames: ['projection', 'state'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of statuses()) this.set({ projection: status.name, state: status.state }, 1);
      },
    });
    new Gauge({
      name: 'desk_projection_restarts',
      help: 'Subscription restarts of each projection since the process started',
      labelNames: ['projection'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of statuses()) this.set({ projection: status.name }, status.restarts);
      },
    });
  }
}
