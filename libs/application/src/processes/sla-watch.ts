import { DomainError, type Actor, type SlaTargetKind } from '@desk/domain';
import { STORE_FAILURE_MEANING, storeFailureOf, type StoreFailureKind } from '@desk/event-store';
import type { ReadModelStore } from '@desk/read-models';
import { RequestWrite, type RequestWrites } from '../commands/writes';
import type { Clock } from '../clock';
import { processEnvelope } from './process-actor';
import { silentLog, type Log } from '../observability/json-log';

export const SLA_WATCH_ACTOR: Actor = { id: 'system:sla-watch', role: 'system' };

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
 *
 * A store that fails (out of reach, read-only, full, busy) ends the pass, and
 * the next one comes sooner, with back-off (from `minRetryMs`, doubling up to
 * the interval), until a pass gets through: the watch recovers by itself. A
 * request whose breach fails for another reason is logged and passed over, so
 * it does not stop the watch for the requests after it.
 */
export class SlaWatch {
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /** Passes in a row that a store failure ended. */
  private failures = 0;

  constructor(
    private readonly readModels: ReadModelStore,
    private readonly commands: RequestWrites,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly log: Log = silentLog,
    private readonly minRetryMs = 100,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tickOnce(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    this.timer = null;
    this.retry = null;
    await this.running;
  }

  /** One pass; a pass already under way is awaited instead of doubled. */
  tickOnce(): Promise<SlaWatchTick> {
    if (!this.running) {
      this.running = this.tick()
        .then((tick) => {
          if (this.failures > 0) this.log.info('SLA watch passes again', { afterFailedPasses: this.failures });
          this.failures = 0;
          return tick;
        })
        .catch((error) => {
          const failure = storeFailureOf(error);
          if (failure) this.failed(failure.kind, failure.message);
          else this.log.warn('SLA watch pass failed', { error: (error as Error).message });
          return { candidates: 0, accepted: 0 };
        })
        .finally(() => (this.running = null));
    }
    return this.running as Promise<SlaWatchTick>;
  }

  /** A store failed the pass: while the watch runs, the next pass comes sooner than the interval, with back-off. */
  private failed(kind: StoreFailureKind, message: string): void {
    this.failures++;
    const delay = Math.min(this.intervalMs, this.minRetryMs * 2 ** (this.failures - 1));
    this.log.warn('SLA watch waits for a store', {
      storeFailure: kind,
      error: `a store ${STORE_FAILURE_MEANING[kind]}: ${message}`,
      retryInMs: delay,
    });
    if (!this.timer || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.tickOnce();
    }, delay);
    this.retry.unref();
  }

  private async tick(): Promise<SlaWatchTick> {
    const now = this.clock.now().toISOString();
    // The summary stores when each target's breach falls due (null while the clock stands still before it, or once met
    // or recorded): the SLA clock's rule is the domain's, and this pass only compares those times with now.
    const rows = await this.readModels.reader
      .selectFrom('request_summaries')
      .select(['request_id', 'first_response_breach_due_at', 'resolution_breach_due_at'])
      .where((eb) => eb.or([eb('first_response_breach_due_at', '<', now), eb('resolution_breach_due_at', '<', now)]))
      .orderBy('request_id')
      .limit(1000)
      .execute();
    let candidates = 0;
    let accepted = 0;
    for (const row of rows) {
      const targets: SlaTargetKind[] = [];
      if (row.first_response_breach_due_at !== null && row.first_response_breach_due_at < now) targets.push('first_response');
      if (row.resolution_breach_due_at !== null && row.resolution_breach_due_at < now) targets.push('resolution');
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
      const result = await this.commands.execute(new RequestWrite(requestId, { type: 'RecordSlaBreach', data: { target } }, envelope));
      this.log.info('SLA breach noticed', { requestId, target, revision: String(result.revision), correlationId: envelope.correlationId });
      return true;
    } catch (error) {
      // Refused: the read model lagged behind a response, a resolution or a hold. Not due after all.
      if (error instanceof DomainError) return false;
      // A store that fails ends the pass (the next comes with back-off); anything else is this request's alone.
      if (storeFailureOf(error)) throw error;
      this.log.error('SLA breach could not be recorded', { requestId, target, error: (error as Error)?.message ?? String(error) });
      return false;
    }
  }
}
