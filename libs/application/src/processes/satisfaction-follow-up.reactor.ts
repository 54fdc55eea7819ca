import { createHash } from 'node:crypto';
import type { Actor, RequestState, SatisfactionRated } from '@desk/domain';
import type { LoggedEvent } from '@desk/read-models';
import type { Reactor } from './reactor';

export const FOLLOW_UP_ACTOR: Actor = { id: 'system:satisfaction-follow-up', role: 'system' };

/** Ratings at or below this are followed up. */
export const POOR_RATING = 2;

export const FOLLOW_UP_CATEGORY = 'satisfaction-follow-up';

/** The follow-up of a rating has an id derived from the rating event: a second delivery finds it open and does nothing. */
export function followUpRequestId(ratingEventId: string): string {
  return `follow-up-${createHash('sha256').update(ratingEventId).digest('hex').slice(0, 24)}`;
}

/**
 * Closes the feedback loop: a rating of 1 or 2 opens a follow-up request in
 * the department that serves the rated request, for the same requester, so it
 * lands in that department's queue with its SLA, and its resolution is the
 * loop closed.
 */
export const satisfactionFollowUp: Reactor<SatisfactionRated> = {
  name: 'satisfaction-follow-up',
  actor: FOLLOW_UP_ACTOR,
  eventTypes: ['SatisfactionRated'],
  reads: (rating) => (rating.data.score > POOR_RATING ? null : rating.data.requestId),
  react(rating: LoggedEvent<SatisfactionRated>, rated: RequestState | null) {
    const { score, requestId, requesterId, comment } = rating.data;
    if (score > POOR_RATING || rated === null || rated.status === 'absent') return [];
    const followUpId = followUpRequestId(rating.id);
    return [
      {
        requestId: followUpId,
        command: {
          type: 'OpenRequest',
          data: {
            requestId: followUpId,
            requesterId,
            departmentId: rated.departmentId,
            subject: `Follow up a poor rating (${score}/5) of request ${requestId}`,
            description: comment ?? '',
            priority: score === 1 ? 'high' : 'medium',
            channel: 'api',
            category: FOLLOW_UP_CATEGORY,
            followUpOf: requestId,
          },
        },
        logLine: { message: 'poor rating followed up', fields: { requestId, score, followUpRequestId: followUpId } },
      },
    ];
  },
};
