import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { CommandRefusedError, requestDecider, requestStream, type Actor, type SatisfactionRated } from '@desk/domain';
import type { RecordedEvent } from '@desk/event-store';
import type { Projection, ReadModelTables } from '@desk/read-models';
import { ExecuteRequestCommand } from '../commands/aggregate-commands';
import type { AggregateRepository } from '../commands/aggregate-repository';
import { processEnvelope } from './process-actor';
import { silentLog, type Log } from '../observability/json-log';
import type { RequestCommandBus } from './sla-watch';

export const FOLLOW_UP_ACTOR: Actor = { id: 'system:satisfaction-follow-up', role: 'system' };

/** Ratings at or below this are followed up. */
export const POOR_RATING = 2;

export const FOLLOW_UP_CATEGORY = 'satisfaction-follow-up';

/** The follow-up of a rating has an id derived from the rating event: a second attempt finds it open and does nothing. */
export function followUpRequestId(ratingEventId: string): string {
  return `follow-up-${createHash('sha256').update(ratingEventId).digest('hex').slice(0, 24)}`;
}

/**
 * Closes the feedback loop: a rating of 1 or 2 opens a follow-up request in
 * the department that served the rated request, for the same requester, so it
 * lands in that department's queue with its SLA, and its resolution is the
 * loop closed. It runs as a checkpointed subscriber (a projection without
 * tables): a replay or a second process opens nothing twice, because the
 * follow-up's id comes from the rating event and a request opens only once.
 */
export class SatisfactionFollowUpProcess implements Projection {
  readonly name = 'satisfaction-follow-up';
  readonly version = 1;
  readonly eventTypes: ReadonlySet<string> = new Set(['SatisfactionRated']);
  readonly tables = [] as const;

  constructor(
    private readonly commands: RequestCommandBus,
    private readonly repository: AggregateRepository,
    private readonly log: Log = silentLog,
  ) {}

  async createTables(_db: Kysely<ReadModelTables>): Promise<void> {
    // Its only state is its checkpoint.
  }

  async apply(_trx: Transaction<ReadModelTables>, events: RecordedEvent[]): Promise<void> {
    for (const event of events) {
      const rating = event as unknown as SatisfactionRated & RecordedEvent;
      if (rating.data.score > POOR_RATING) continue;
      const rated = await this.repository.load(requestStream(rating.data.requestId), requestDecider);
      if (rated.state.status === 'absent') continue;
      const followUpId = followUpRequestId(event.id);
      const score = rating.data.score;
      try {
        await this.commands.execute(
          new ExecuteRequestCommand(
            followUpId,
            {
              type: 'OpenRequest',
              data: {
                requestId: followUpId,
                requesterId: rating.data.requesterId,
                departmentId: rated.state.departmentId,
                subject: `Follow up a poor rating (${score}/5) of request ${rating.data.requestId}`,
                description: rating.data.comment ?? '',
                priority: score === 1 ? 'high' : 'medium',
                channel: 'api',
                category: FOLLOW_UP_CATEGORY,
                followUpOf: rating.data.requestId,
              },
            },
            processEnvelope(FOLLOW_UP_ACTOR, { id: event.id, correlationId: event.metadata.correlationId }),
          ),
        );
        this.log.info('poor rating followed up', {
          requestId: rating.data.requestId,
          score,
          followUpRequestId: followUpId,
          correlationId: event.metadata.correlationId,
        });
      } catch (error) {
        // Opened already (a replay, or another process got there first): the loop is open, nothing to do.
        if (error instanceof CommandRefusedError && /already exists/.test(error.message)) continue;
        throw error;
      }
    }
  }
}
