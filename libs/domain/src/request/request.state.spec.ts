import { R, assigned, heldAt, opened, resolvedAt, started } from '../testing/request-history';
import { stateAfter } from '../testing/specification';
import { requestDecider } from './request.decider';
import type { RequestEvent } from './request.events';
import { evolveRequest, initialRequestState } from './request.state';

const at = (iso: string) => new Date(iso);

describe('request state (evolve)', () => {
  it('starts absent', () => {
    expect(initialRequestState).toEqual({ status: 'absent' });
  });

  it('is what was opened, with nothing done yet', () => {
    const { sla, ...data } = opened.data;
    expect(stateAfter(requestDecider, [opened])).toEqual({
      ...data,
      status: 'new',
      assigneeId: null,
      hold: null,
      resolution: null,
      resolvedBy: null,
      resolvedAt: null,
      closedBy: null,
      cancelReason: null,
      reopenCount: 0,
      sla: { ...sla, pausedMinutes: 0, clockStoppedSince: null },
      firstResponse: null,
      satisfaction: null,
      breaches: [],
      commentIds: [],
      compensationIds: [],
      tags: [],
    });
  });

  it('follows a whole life: work, hold, reply, escalation, re-prioritisation, resolution, rating, closing', () => {
    const events: RequestEvent[] = [
      opened,
      assigned,
      started,
      heldAt(at('2025-03-03T08:30:00.000Z'), 'awaiting_requester'),
      {
        type: 'RequestResumed',
        data: {
          requestId: R,
          pausedMinutes: 120,
          firstResponseDueAt: '2025-03-03T11:00:00.000Z',
          resolutionDueAt: '2025-03-04T10:00:00.000Z',
        },
      },
      {
        type: 'CommentAdded',
        data: { requestId: R, commentId: 'c-1', authorId: 'agent-ann', authorRole: 'agent', body: 'hi', visibility: 'public' },
      },
      {
        type: 'FirstResponseGiven',
        data: {
          requestId: R,
          agentId: 'agent-ann',
          respondedAt: '2025-03-03T10:40:00.000Z',
          dueAt: '2025-03-03T11:00:00.000Z',
          withinTarget: true,
        },
      },
      { type: 'RequestEscalated', data: { requestId: R, fromTier: 'L1', toTier: 'L2', reason: 'hard' } },
      {
        type: 'RequestPriorityChanged',
        data: {
          requestId: R,
          from: 'high',
          to: 'critical',
          impact: 'high',
          urgency: 'high',
          reason: 'CEO',
          firstResponseMinutes: 60,
          resolutionMinutes: 120,
          firstResponseDueAt: '2025-03-03T11:00:00.000Z',
          resolutionDueAt: '2025-03-03T12:00:00.000Z',
        },
      },
      {
        type: 'SlaBreached',
        data: {
          requestId: R,
          target: 'resolution',
          dueAt: '2025-03-03T12:00:00.000Z',
          breachedAt: '2025-03-03T12:01:00.000Z',
          standardVersion: 1,
        },
      },
      resolvedAt(at('2025-03-03T13:00:00.000Z')),
      { type: 'SatisfactionRated', data: { requestId: R, requesterId: 'emp-eva', audience: 'internal', score: 3, comment: null } },
      { type: 'RequestClosed', data: { requestId: R, closedBy: 'system' } },
    ];
    expect(stateAfter(requestDecider, events)).toMatchObject({
      status: 'closed',
      priority: 'critical',
      impact: 'high',
      urgency: 'high',
      tier: 'L2',
      assigneeId: 'agent-ann',
      hold: null,
      resolution: 'Replaced the disk',
      resolvedBy: 'agent-ann',
      resolvedAt: '2025-03-03T13:00:00.000Z',
      closedBy: 'system',
      sla: {
        departmentId: 'it',
        standardVersion: 1,
        firstResponseMinutes: 60,
        resolutionMinutes: 120,
        firstResponseDueAt: '2025-03-03T11:00:00.000Z',
        resolutionDueAt: '2025-03-03T12:00:00.000Z',
        pausedMinutes: 120,
        clockStoppedSince: '2025-03-03T13:00:00.000Z',
      },
      firstResponse: { agentId: 'agent-ann', respondedAt: '2025-03-03T10:40:00.000Z', withinTarget: true },
      satisfaction: { score: 3, comment: null },
      breaches: ['resolution'],
      commentIds: ['c-1'],
    });
  });

  it('keeps the hold while on hold', () => {
    expect(stateAfter(requestDecider, [opened, assigned, heldAt(at('2025-03-03T09:00:00.000Z'), 'blocked_by_request')])).toMatchObject({
      status: 'on_hold',
      hold: { reason: 'blocked_by_request', blockingRequestId: 'r-2', clockPaused: false, heldAt: '2025-03-03T09:00:00.000Z', note: null },
      sla: { clockStoppedSince: null },
    });
  });

  it('lands in the other queue as new and unassigned after a transfer, keeping its SLA department', () => {
    const transferred: RequestEvent = {
      type: 'RequestTransferred',
      data: { requestId: R, fromDepartmentId: 'it', toDepartmentId: 'hr', reason: 'payroll' },
    };
    expect(stateAfter(requestDecider, [opened, assigned, started, transferred])).toMatchObject({
      status: 'new',
      departmentId: 'hr',
      assigneeId: null,
      sla: { departmentId: 'it' },
    });
  });

  it('keeps the cancellation reason and the compensations offered', () => {
    const events: RequestEvent[] = [
      opened,
      {
        type: 'CompensationOffered',
        data: { requestId: R, compensationId: 'k-1', kind: 'gift', amount: 0, currency: 'EUR', note: null, offeredBy: 'agent-ann' },
      },
      { type: 'RequestCancelled', data: { requestId: R, reason: 'duplicate' } },
    ];
    expect(stateAfter(requestDecider, events)).toMatchObject({ status: 'cancelled', cancelReason: 'duplicate', compensationIds: ['k-1'] });
  });

  it('refuses to apply anything but an opening to a request that was never opened (a corrupt stream)', () => {
    expect(() => evolveRequest(initialRequestState, assigned)).toThrow('RequestAssigned applied to a request that was never opened');
  });
});
