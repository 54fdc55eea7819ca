import { evolveRequest, initialRequestState, type OpenedRequest, type RequestEvent } from '@desk/domain';
import { assigned, cancelled, heldAt, opened, R, started } from '@desk/domain/testing/request-history';
import { REQUESTER_EVENT_FIELDS, requesterEventView, requesterPick, requesterRequestView, type RequesterViewParts } from './requester-view';

const EVA = opened.data.requesterId;
const NOON = new Date('2025-03-03T11:00:00.000Z');

function stateOf(events: RequestEvent[]): OpenedRequest {
  return events.reduce(evolveRequest, initialRequestState) as OpenedRequest;
}

const noParts: RequesterViewParts = { comments: [], compensations: [], cancelledBy: null, impacts: null, asOf: null };

/** Every string anywhere in a value, to look for what must not appear. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsIn(inner)]);
  return [];
}

describe('the requester view of a request', () => {
  const hold = heldAt(NOON, 'blocked_by_request');
  const secretHold = { ...hold, data: { ...hold.data, note: 'VIP, stall them', blockingRequestId: 'r-other-customer' } };
  const escalated: RequestEvent = {
    type: 'RequestEscalated',
    data: { requestId: R, fromTier: 'L1', toTier: 'L2', reason: 'agent out of depth' },
  };
  const state = stateOf([opened, assigned, started, escalated, secretHold]);

  it('shows the hold reason and when it began, never its note or the request that blocks it', () => {
    const view = requesterRequestView(state, noParts);
    expect(view).toMatchObject({
      status: 'on_hold',
      holdReason: 'blocked_by_request',
      heldAt: NOON.toISOString(),
      assigneeId: 'agent-ann',
    });
    const shown = stringsIn(view);
    for (const hidden of [
      'VIP, stall them',
      'r-other-customer',
      'L2',
      'tier',
      'audience',
      'exposedToExternal',
      'sla',
      'breaches',
      'commentIds',
    ]) {
      expect(shown).not.toContain(hidden);
    }
  });

  it('shows public comments and leaves internal ones out, ids and all', () => {
    const comment = (commentId: string, visibility: 'public' | 'internal') => ({
      commentId,
      authorId: 'agent-ann',
      authorRole: 'agent',
      body: `${visibility} words`,
      visibility,
      at: NOON.toISOString(),
    });
    const view = requesterRequestView(state, { ...noParts, comments: [comment('c-pub', 'public'), comment('c-int', 'internal')] });
    expect(view.comments).toEqual([
      { commentId: 'c-pub', authorId: 'agent-ann', authorRole: 'agent', body: 'public words', at: NOON.toISOString() },
    ]);
    expect(stringsIn(view)).not.toContain('c-int');
  });

  it('shows compensations without the staff note', () => {
    const compensation = {
      compensationId: 'k-1',
      kind: 'credit' as const,
      amount: 25,
      currency: 'EUR',
      note: 'goodwill: loud customer',
      offeredBy: 'agent-ann',
      at: NOON.toISOString(),
    };
    const view = requesterRequestView(state, { ...noParts, compensations: [compensation] });
    expect(view.compensations).toEqual([{ compensationId: 'k-1', kind: 'credit', amount: 25, currency: 'EUR', at: NOON.toISOString() }]);
  });

  it('shows a cancellation reason only when the requester wrote it', () => {
    const cancelledState = stateOf([opened, cancelled]);
    expect(requesterRequestView(cancelledState, { ...noParts, cancelledBy: EVA }).cancelReason).toBe('solved itself');
    expect(requesterRequestView(cancelledState, { ...noParts, cancelledBy: 'agent-ann' }).cancelReason).toBeNull();
  });
});

describe('the requester view of an event', () => {
  const meta = (actor: string) => ({ actor, occurredAt: NOON.toISOString() });

  it('hides escalations, the SLA measurements and internal comments', () => {
    const hidden: RequestEvent[] = [
      { type: 'RequestEscalated', data: { requestId: R, fromTier: 'L1', toTier: 'L2', reason: 'x' } },
      { type: 'SlaBreached', data: { requestId: R, target: 'resolution', dueAt: 'x', breachedAt: 'x', standardVersion: 1 } },
      { type: 'FirstResponseGiven', data: { requestId: R, agentId: 'agent-ann', respondedAt: 'x', dueAt: null, withinTarget: true } },
      {
        type: 'CommentAdded',
        data: { requestId: R, commentId: 'c-int', authorId: 'agent-ann', authorRole: 'agent', body: 'x', visibility: 'internal' },
      },
    ];
    for (const event of hidden) expect(requesterEventView(event, meta('agent-ann'), EVA)).toBeNull();
  });

  it('keeps only the fields of the allowlist', () => {
    const view = requesterEventView(heldAt(NOON, 'blocked_by_request'), meta('agent-ann'), EVA);
    expect(view).toEqual({
      type: 'RequestPutOnHold',
      occurredAt: NOON.toISOString(),
      actor: 'agent-ann',
      data: { requestId: R, reason: 'blocked_by_request', heldAt: NOON.toISOString() },
    });
    const opening = requesterEventView(opened, meta(EVA), EVA)!;
    expect(opening.data).not.toHaveProperty('sla');
    expect(opening.data).not.toHaveProperty('audience');
    expect(opening.data).not.toHaveProperty('tier');
  });

  it("shows a transfer, a priority change and a staff cancellation without the staff's reasons", () => {
    const transferred: RequestEvent = {
      type: 'RequestTransferred',
      data: { requestId: R, fromDepartmentId: 'it', toDepartmentId: 'hr', reason: 'not ours, lol' },
    };
    expect(requesterEventView(transferred, meta('agent-ann'), EVA)!.data).toEqual({
      requestId: R,
      fromDepartmentId: 'it',
      toDepartmentId: 'hr',
    });
    expect(requesterEventView(cancelled, meta('agent-ann'), EVA)!.data).toEqual({ requestId: R });
    expect(requesterEventView(cancelled, meta(EVA), EVA)!.data).toEqual({ requestId: R, reason: 'solved itself' });
  });

  it('never lets a reason or note through for any event type', () => {
    for (const fields of Object.values(REQUESTER_EVENT_FIELDS)) {
      expect(
        (fields ?? []).filter((field) => ['note', 'blockingRequestId', 'previousAgentId', 'offeredBy'].includes(field as string)),
      ).toEqual([]);
    }
  });
});

describe('requesterPick', () => {
  it('keeps the allowed fields a row has and drops every other, including ones added later', () => {
    const row = {
      requestId: R,
      subject: 's',
      tier: 'L2',
      effectivePriority: 'critical',
      blockedBy: [{ requestId: 'r-x' }],
      tags: ['vip'],
      someNewField: 1,
    };
    expect(requesterPick(row)).toEqual({ requestId: R, subject: 's' });
  });
});
