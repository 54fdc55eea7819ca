import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { STORE_FAILURE_MEANING, type EventStore, type StoreFailure } from '@desk/event-store';
import type { ReadModelStore } from '@desk/read-models';
import { ReadSide } from '@desk/application';
import { Public } from '../auth/roles.decorator';
import { EVENT_STORE, READ_MODELS } from '../injection-tokens';
import { ProblemError } from '../problems';
import { ApiProblems } from '../openapi';
import { LiveResponse, ReadyResponse } from './operations.responses';

/** Longest a store may take to answer a readiness probe: one that takes longer is hanging (stopped, its disk stalled). */
export const READY_DEADLINE_MS = 2000;

interface StoreCheck {
  ping(): Promise<void>;
  writeCheck?(): Promise<StoreFailure | null>;
}

/**
 * How a store stands: `check` as the answer's checks show it ("ok", the error of a store that does not answer, or
 * why it cannot take writes), `said` as the detail says it after the store's name.
 */
interface Looked {
  check: string;
  said: string;
}

async function look(store: StoreCheck, deadlineMs: number): Promise<Looked> {
  const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Looked>((resolve) => {
    timer = setTimeout(
      () => resolve({ check: `no answer within ${deadlineMs} ms`, said: `does not answer within ${deadlineMs} ms` }),
      deadlineMs,
    );
  });
  const looked = (async (): Promise<Looked> => {
    try {
      await store.ping();
      const failure = (await store.writeCheck?.()) ?? null;
      if (!failure) return { check: 'ok', said: 'ok' };
      const why = `cannot take writes: it ${STORE_FAILURE_MEANING[failure.kind]}: ${failure.message}`;
      return { check: why, said: why };
    } catch (error) {
      return { check: message(error), said: `does not answer: ${message(error)}` };
    }
  })();
  try {
    return await Promise.race([looked, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  private looking: Promise<{ eventStore: Looked; readModels: Looked }> | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(ReadSide) private readonly readSide: ReadSide,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'The process is up', security: [] })
  @ApiOkResponse({ type: LiveResponse, description: 'Up' })
  live(): LiveResponse {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({
    summary:
      'The process can serve: the event store and the read-model store answer and can take writes; projections run here are not faulted',
    description:
      'Each store must answer within 2 s and be able to take writes: not read-only, not out of room, and not refusing its last commit (looked at without writing anything). A 503 names each store that cannot in its detail and in `checks`.',
    security: [],
  })
  @ApiOkResponse({ type: ReadyResponse, description: 'Ready' })
  @ApiProblems(503)
  async ready(): Promise<ReadyResponse> {
    const stores = await this.storeChecks();
    const projections = Object.fromEntries(this.readSide.statuses().map((status) => [status.name, status.state]));
    const checks = { eventStore: stores.eventStore.check, readModels: stores.readModels.check, projections };
    if (checks.eventStore !== 'ok' || checks.readModels !== 'ok') {
      throw new ProblemError(
        503,
        'Not ready',
        [
          checks.eventStore !== 'ok' && `the event store ${stores.eventStore.said}`,
          checks.readModels !== 'ok' && `the read-model store ${stores.readModels.said}`,
        ]
          .filter(Boolean)
          .join('; '),
        undefined,
        { checks },
      );
    }
    return { status: 'ok', checks };
  }

  /**
   * Both stores looked at: each answers within READY_DEADLINE_MS and can take writes, judged without writing (a
   * ping, then the store's writeCheck: the last commit's fate, room on the disk, a read-only server). Probes that
   * come while a look is under way share it, so probes at any rate never pile up on a hanging store.
   */
  private storeChecks(): Promise<{ eventStore: Looked; readModels: Looked }> {
    this.looking ??= Promise.all([look(this.store, READY_DEADLINE_MS), look(this.readModels, READY_DEADLINE_MS)])
      .then(([eventStore, readModels]) => ({ eventStore, readModels }))
      .finally(() => (this.looking = null));
    return this.looking;
  }
}
