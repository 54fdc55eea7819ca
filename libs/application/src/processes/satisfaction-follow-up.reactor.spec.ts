import { evolveRequest, initialRequestState, type RequestState, type SatisfactionRated } from '@desk/domain';
import { historyTo, opened, R } from '@desk/domain/testing/request-history';
import type { LoggedEvent } from '@desk/read-models';
import { FOLLOW_UP_CATEGORY, followUpRequestId, satisfactionFollowUp } from './satisfaction-follow-up.reactor';

const rating = (score: number, comment: string | null = null): LoggedEvent<SatisfactionRated> => ({
  type: 'SatisfactionRated',
  data: { requestId: R, requesterId: 'emp-eva', audience: 'internal', score, comment },
  id: '9b2f0c1e-0000-4000-8000-000000000001',
  streamId: `request-${R}`,
  revision: 5n,
  position: 42n,
  metadata: { correlationId: 'corr-rating', causationId: 'c', actor: 'emp-eva', occurredAt: '2025-03-04T10:00:00.000Z', schemaVersion: 1 },
  recordedAt: new Date('2025-03-04T10:00:00.000Z'),
});

const resolved: RequestState = historyTo('resolved').reduce(evolveRequest, initialRequestState);

/** Given a rating (and the request it rates), then the commands the follow-up process calls for. */
describe('the satisfaction follow-up', () => {
  it('reads the rated request only for a poor rating', () => {
    expect(satisfactionFollowUp.reads(rating(2))).toBe(R);
    expect(satisfactionFollowUp.reads(rating(3))).toBeNull();
  });

  it('opens a high-priority follow-up for a 1, in the department serving the rated request, for the same requester', () => {
    const [reaction, ...more] = satisfactionFollowUp.react(rating(1, 'nobody called back'), resolved);
    expect(more).toEqual([]);
    expect(reaction).toEqual({
      requestId: followUpRequestId('9b2f0c1e-0000-4000-8000-000000000001'),
      command: {
        type: 'OpenRequest',
        data: {
          requestId: followUpRequestId('9b2f0c1e-0000-4000-8000-000000000001'),
          requesterId: 'emp-eva',
          departmentId: opened.data.departmentId,
          subject: `Follow up a poor rating (1/5) of request ${R}`,
          description: 'nobody called back',
          priority: 'high',
          channel: 'api',
          category: FOLLOW_UP_CATEGORY,
          followUpOf: R,
        },
      },
      logLine: {
        message: 'poor rating followed up',
        fields: { requestId: R, score: 1, followUpRequestId: followUpRequestId('9b2f0c1e-0000-4000-8000-000000000001') },
      },
    });
  });

  it('opens a medium-priority one for a 2, and none for a 3 or better', () => {
    expect(satisfactionFollowUp.react(rating(2), resolved).map((r) => r.command.data)).toEqual([
      expect.objectContaining({ priority: 'medium', description: '' }),
    ]);
    for (const score of [3, 4, 5]) expect(satisfactionFollowUp.react(rating(score), resolved)).toEqual([]);
  });

  it('follows the rated request into the department it was transferred to', () => {
    const transferred = evolveRequest(resolved, {
      type: 'RequestTransferred',
      data: { requestId: R, fromDepartmentId: 'it', toDepartmentId: 'facilities', reason: 'wrong desk' },
    });
    expect(satisfactionFollowUp.react(rating(1), transferred)[0].command.data).toMatchObject({ departmentId: 'facilities' });
  });

  it('does nothing for a rating of a request it cannot read', () => {
    expect(satisfactionFollowUp.react(rating(1), null)).toEqual([]);
    expect(satisfactionFollowUp.react(rating(1), initialRequestState)).toEqual([]);
  });

  it('derives the follow-up id from the rating event alone, so a second delivery names the same request', () => {
    expect(followUpRequestId('a')).toBe(followUpRequestId('a'));
    expect(followUpRequestId('a')).not.toBe(followUpRequestId('b'));
    expect(followUpRequestId('a')).toMatch(/^follow-up-[0-9a-f]{24}$/);
  });
});
