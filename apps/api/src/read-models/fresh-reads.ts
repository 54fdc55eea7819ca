import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, ReadSide, type AppConfig, type Clock } from '@desk/application';
import { readModelsAsOf, type ReadModelDb, type ReadModelQueries, type ReadModelStore } from '@desk/read-models';
import type { EventStore } from '@desk/event-store';
import { BadRequestProblem, ProblemError } from '@desk/http';
import { APP_CONFIG, EVENT_STORE, READ_MODELS } from '../config/tokens';
import { IntegerField, PatternField } from '../http/fields';
import { ISO_TIME_PATTERN, parseIsoTime } from '@desk/domain';

/** Query parameters of every read-model query: the position it must reflect, and how long it may wait for it. */
export class FreshReadQuery {
  @PatternField(/^\d{1,20}$/, 'must be a log position (digits), as commands answer it', {
    optional: true,
    max: 20,
    description:
      'Answer only once the read model has processed this log position (a command answer’s `position`). Also the X-Min-Position header.',
  })
  minPosition?: string;

  @IntegerField({ optional: true, min: 0, max: 30_000, description: 'How long to wait for minPosition, in ms (default 5000).' })
  waitMs?: number;
}

/** Parameters of a query that can also answer as things stood at a business time. */
export class AsOfQuery extends FreshReadQuery {
  @PatternField(ISO_TIME_PATTERN, 'must be an ISO 8601 time', {
    optional: true,
    max: 40,
    description:
      'Answer as things stood at this business time, from the history the read models keep (SLA states computed against it), ' +
      'once they reflect every event the log holds when asked (or minPosition, when given).',
  })
  asOf?: string;
}

/**
 * Which read models a query reads, and the time its SLA states are computed against. `asOf` is the business time
 * asked for (null for a live query): `tables` are then the live tables' names over their history as it stood then.
 */
export interface ReadModelView {
  /** The live read models. */
  db: ReadModelDb;
  /** What the query reads: the live tables, or, as of a time, the same names over their history then. */
  tables: ReadModelQueries;
  now: Date;
  asOf: Date | null;
}

export const DEFAULT_WAIT_MS = 5000;

/** Most live answers kept for sharing; the oldest go first. */
const RECENT_ANSWERS = 1000;

/**
 * Read-your-writes: a query naming a position waits (bounded) until the read
 * models it reads have passed it, and never answers with older data: past
 * the wait it is a 503 that says how far they got.
 */
@Injectable()
export class FreshReads {
  private readonly recent = new Map<string, { at: number; answer: Promise<unknown> }>();

  constructor(
    @Inject(ReadSide) private readonly readSide: ReadSide,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The answer of a query over the read models. Live queries asked again within READ_CACHE_MS with the same `key`
   * share one answer: a hundred agents watching one queue cost one query per window, not a hundred. A query
   * naming a position (read-your-writes) or a time (asOf) is always answered afresh; a failure is never shared.
   */
  async answer<T>(
    key: string,
    projections: readonly string[],
    query: FreshReadQuery & { asOf?: string },
    header: string | string[] | undefined,
    compute: (view: ReadModelView) => Promise<T>,
  ): Promise<T> {
    const live = query.asOf === undefined && query.minPosition === undefined && (header === undefined || header === '');
    if (!live || this.config.readCacheMs === 0) return compute(await this.view(projections, query, header));
    const now = performance.now();
    const recent = this.recent.get(key);
    if (recent && now - recent.at < this.config.readCacheMs) return recent.answer as Promise<T>;
    const answer = this.view(projections, query, header).then(compute);
    this.recent.delete(key);
    this.recent.set(key, { at: now, answer });
    if (this.recent.size > RECENT_ANSWERS) this.recent.delete(this.recent.keys().next().value!);
    answer.catch(() => {
      if (this.recent.get(key)?.answer === answer) this.recent.delete(key);
    });
    return answer;
  }

  /**
   * The read models once they reflect the position asked: live, or as they stood at the time asked (then, without a
   * position, once they reflect the whole log as it is now).
   */
  async view(
    projections: readonly string[],
    query: FreshReadQuery & { asOf?: string },
    header: string | string[] | undefined,
  ): Promise<ReadModelView> {
    const asOf = query.asOf === undefined ? null : parseIsoTime(query.asOf);
    if (asOf === undefined) throw new BadRequestProblem('asOf: not a valid time', { asOf: 'is not a valid time' });
    const named = query.minPosition ?? (Array.isArray(header) ? header[0] : header);
    if (asOf && (named === undefined || named === '')) {
      // The past asked for is the whole log's up to then, as a replay of it would be: the history tables answer once
      // they hold every event the log held when the question was asked (a lag of moments on a running desk).
      await this.reflect(projections, { ...query, minPosition: String(await this.store.headPosition()) }, undefined);
    } else {
      await this.reflect(projections, query, header);
    }
    const db = this.readModels.reader;
    return asOf ? { db, tables: readModelsAsOf(db, asOf), now: asOf, asOf } : { db, tables: db, now: this.clock.now(), asOf: null };
  }

  async reflect(projections: readonly string[], query: FreshReadQuery, header: string | string[] | undefined): Promise<void> {
    const raw = query.minPosition ?? (Array.isArray(header) ? header[0] : header);
    if (raw === undefined || raw === '') return;
    if (!/^\d{1,20}$/.test(raw)) {
      throw new ProblemError(400, 'Invalid input', 'X-Min-Position must be a log position (digits)', {
        'X-Min-Position': 'must be a log position (digits)',
      });
    }
    const position = BigInt(raw);
    const waitMs = query.waitMs ?? DEFAULT_WAIT_MS;
    if (await this.readSide.waitFor(projections, position, 0)) return;
    // No command ever answered a position beyond the head of the log: waiting for one would only time out.
    const head = await this.store.headPosition();
    if (position > head) {
      throw new BadRequestProblem(`position ${position} is beyond the head of the log (${head}): use the position a command answered`, {
        minPosition: 'is beyond the head of the log',
      });
    }
    if (await this.readSide.waitFor(projections, position, waitMs)) return;
    const checkpoints = await this.readSide.checkpoints(projections);
    throw new ProblemError(
      503,
      'Read model behind',
      `the read models have not reached position ${position} within ${waitMs} ms; retry shortly`,
      undefined,
      {
        position: String(position),
        checkpoints: Object.fromEntries(projections.map((name) => [name, String(checkpoints.get(name) ?? 'none')])),
      },
    );
  }
}
