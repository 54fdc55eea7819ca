import { sql } from 'kysely';
import { DomainError, type Actor, type SlaTargetKind } from '@desk/domain';
import type { ReadModelStore } from '@desk/read-models';
import { ExecuteRequestCommand } from '../commands/aggregate-commands';
import type { CommandResult } from '../commands/command-executor';
import type { Clock } from '../clock';
import { processEnvelope } from './process-actor';
import { silentLog, type Log } from '../observability/json-log';

export const SLA_WATCH_ACTOR: Actor = { id: 'system:sla-watch', role: 'system' };

export interface RequestCommandBus {
  execute(command: ExecuteRequestCommand): Promise<CommandResult>;
}

export interface SlaWatchTick {
  /** Due targets found in the read model. */
  candidates: number;
  /** RecordSlaBreach commands accepted: each appended a SlaBreached, or found it already recorded. */
  accepted: number;
}

/**
 * Notices SLA targets whose due time has passed and records each breach once
 * (`SlaBreached`). It reads the queue read model for candidates and lets the
 * request's decider judge: a breach another process recorded first decides
 * nothing, one that is not due after all (the read model lagged) is refused.
 * So any number of watchers may run.
 */
export class SlaWatch {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly readModels: ReadModelStore,
    private readonly commands: RequestCommandBus,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly log: Log = silentLog,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tickOnce(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass; a pass already under way is awaited instead of doubled. */
  tickOnce(): Promise<SlaWatchTick> {
    if (!this.running) {
      this.running = this.tick()
        .catch((error) => {
          this.log.warn('SLA watch pass failed', { error: (error as Error).message });
          return { candidates: 0, accepted: 0 };
        })
        .finally(() => (this.running = null));
    }
    return this.running as Promise<SlaWatchTick>;
  }

  private async tick(): Promise<SlaWatchTick> {
    const now = this.clock.now().toISOString();
    // The clock reads the moment it stopped while stopped (on hold awaiting the requester), now otherwise.
    const reading = sql<string>`coalesce(clock_stopped_since, ${now})`;
    const rows = await this.readModels.reader
      .selectFrom('request_summaries')
      .select([
        'request_id',
        'is_open',
        'clock_stopped_since',
        'first_responded_at',
        'first_response_due_at',
        'first_response_within_target',
        'resolved_at',
        'resolution_due_at',
        'resolution_within_target',
        'first_response_breached',
        'resolution_breached',
      ])
      .where('status', '!=', 'cancelled')
      .where((eb) =>
        eb.or([
          eb.and([
            eb('first_response_breached', '=', 0),
            eb.or([
              eb.and([eb('is_open', '=', 1), eb('first_responded_at', 'is', null), eb(reading, '>', eb.ref('first_response_due_at'))]),
              eb('first_response_within_target', '=', 0),
            ]),
          ]),
          eb.and([
            eb('resolution_breached', '=', 0),
            eb.or([
              eb.and([eb('is_open', '=', 1), eb(reading, '>', eb.ref('resolution_due_at'))]),
              // Resolved late before any watcher noticed: still a breach to record.
              eb('resolution_within_target', '=', 0),
            ]),
          ]),
        ]),
      )
      .orderBy('request_id')
      .limit(1000)
      .execute();
    let candidates = 0;
    let accepted = 0;
    for (const row of rows) {
      const clock = row.clock_stopped_since ?? now;
      const targets: SlaTargetKind[] = [];
      const unansweredLate =
        row.is_open === 1 && row.first_responded_at === null && row.first_response_due_at !== null && clock > row.first_response_due_at;
      if (row.first_response_breached === 0 && (unansweredLate || row.first_response_within_target === 0)) targets.push('first_response');
      const unresolvedLate = row.is_open === 1 && row.resolution_due_at !== null && clock > row.resolution_due_at;
      if (row.resolution_breached === 0 && (unresolvedLate || row.resolution_within_target === 0)) targets.push('resolution');
      for (const target of targets) {
        candidates++;
        if (await this.record(row.request_id, target)) accepted++;
      }
    }
    return { candidates, accepted };
  }

  private async record(requestId: string, target: SlaTargetKind): Promise<boolean> {
    try {
      const envelope = processEnvelope(SLA_WATCH_ACTOR, null);
      const result = await this.commands.execute(
        new ExecuteRequestCommand(requestId, { type: 'RecordSlaBreach', data: { target } }, envelope),
      );
      this.log.info('SLA breach noticed', { requestId, target, revision: String(result.revision), correlationId: envelope.correlationId });
      return true;
    } catch (error) {
      // Refused: the read model lagged behind a response, a resolution or a hold. Not due after all.
      if (error instanceof DomainError) return false;
      throw error;
    }
  }
}
