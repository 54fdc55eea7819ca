import type { Kysely, Transaction } from 'kysely';
import type { Actor, DeskEvent, EventType, RequestCommand, RequestState } from '@desk/domain';
import type { LoggedEvent, Projection, ReadModelTables } from '@desk/read-models';
import type { AggregateRepository } from '../commands/aggregate-repository';
import type { Commands } from '../commands/command-handler';
import { requestAggregate } from '../commands/aggregates';
import { RequestWrite, type RequestWrites } from '../commands/writes';
import { silentLog, type Log } from '../observability/json-log';

/** A command a reactor issues in answer to an event, addressed to a request. */
export interface Reaction {
  requestId: string;
  command: RequestCommand;
  /** What the log says once the command has appended something (with the cause's correlation id). */
  logLine?: { message: string; fields: Record<string, unknown> };
}

/**
 * A process driven by the log, pure like a decider: an event in (with the
 * request it reads, when it names one), the commands it calls for out.
 * Its runner loads, sends and keeps the checkpoint; a reaction must be safe
 * to send twice (a replay, a second projector): an OpenRequest reaction
 * names a request whose id derives from its cause, and is sent only while
 * that request does not exist.
 */
export interface Reactor<Event extends DeskEvent> {
  readonly name: string;
  readonly actor: Actor;
  readonly eventTypes: readonly Event['type'][];
  /** The request the reaction reads besides the event, if any. */
  reads(event: LoggedEvent<Event>): string | null;
  react(event: LoggedEvent<Event>, read: RequestState | null): Reaction[];
}

/**
 * Runs a reactor as a checkpointed subscriber of the log: a projection
 * without tables, whose only state is its checkpoint.
 */
export class ReactorRunner<Event extends DeskEvent> implements Projection {
  readonly version = 1;
  readonly tables = [] as const;
  readonly eventTypes: ReadonlySet<string>;

  constructor(
    private readonly reactor: Reactor<Event>,
    private readonly commands: RequestWrites,
    private readonly repository: AggregateRepository,
    private readonly log: Log = silentLog,
  ) {
    this.eventTypes = new Set<EventType>(reactor.eventTypes);
  }

  get name(): string {
    return this.reactor.name;
  }

  async createTables(_db: Kysely<ReadModelTables>): Promise<void> {
    // Its only state is its checkpoint.
  }

  async apply(_trx: Transaction<ReadModelTables>, events: LoggedEvent[]): Promise<void> {
    for (const logged of events) {
      // The runner hands it only the event types it names.
      const event = logged as LoggedEvent<Event>;
      const readId = this.reactor.reads(event);
      const read = readId === null ? null : (await this.repository.load(requestAggregate, readId)).state;
      for (const reaction of this.reactor.react(event, read)) await this.send(event, reaction);
    }
  }

  private async send(cause: LoggedEvent<Event>, { requestId, command, logLine }: Reaction): Promise<void> {
    const envelope = { commandId: cause.id, correlationId: cause.metadata.correlationId, actor: this.reactor.actor };
    // Opening happens once: a request that exists was opened by an earlier delivery of the same event.
    const commands: Commands<RequestState, RequestCommand> =
      command.type === 'OpenRequest'
        ? async ({ revision }, planning) => {
            if (revision === null) await planning.decide({ command });
          }
        : command;
    const result = await this.commands.execute(new RequestWrite(requestId, commands, envelope));
    if (result.appended > 0 && logLine) this.log.info(logLine.message, { ...logLine.fields, correlationId: cause.metadata.correlationId });
  }
}
