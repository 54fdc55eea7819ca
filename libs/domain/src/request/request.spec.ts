import { CommandRefusedError, ForbiddenError, InvalidCommandError, NotFoundError } from '../shared/errors';
import { DEFAULT_DESK_POLICIES, parseCompensationMaxPerOffer } from '../shared/policies';
import { LEVELS, type Level, type Priority } from '../shared/vocabulary';
import {
  MONDAY_9,
  agent,
  analyst,
  client,
  employee,
  manager,
  minutesAfter,
  operator,
  otherAgent,
  receptionist,
  requestContext,
  system,
} from '../testing/fixtures';
import { R, assigned, cancelled, heldAt, historyTo, opened, openedByClient, resolvedAt, started } from '../testing/request-history';
import { specification, stateAfter } from '../testing/specification';
import { agentDecider } from '../agent/agent.decider';
import type { OpenRequest } from './request.commands';
import { derivePriority, requestLookups } from './request.decide';
import { requestDecider } from './request.decider';
import type { RequestEvent } from './request.events';
import { evolveRequest, initialRequestState, type RequestState } from './request.state';

const request = specification(requestDecider);
const LATER = minutesAfter(MONDAY_9, 30);

function open(data: Partial<OpenRequest['data']> = {}): OpenRequest {
  return {
    type: 'OpenRequest',
    data: {
      requestId: R,
      requesterId: 'emp-eva',
      departmentId: 'it',
      subject: 'Laptop does not boot',
      description: 'Black screen since this morning',
      priority: 'high',
      ...data,
    },
  };
}

describe('OpenRequest', () => {
  it('opens a request in the department queue with the SLA of its current standard', () => {
    request.given([]).when(open(), requestContext(agent)).then([opened]);
  });

  it('lets an agent open on behalf of a customer, with the channel it came through', () => {
    const [event] = request
      .given([])
      .when(open({ channel: 'phone', category: 'hardware' }), requestContext(agent))
      .events();
    expect(event.data).toMatchObject({ channel: 'phone', category: 'hardware', requesterId: 'emp-eva' });
  });

  it('measures an external requester against the external targets', () => {
    request
      .given([])
      .when(open({ requesterId: 'ext-carl' }), requestContext(agent))
      .then([openedByClient]);
  });

  it('marks a request raised by a customer-facing employee as exposed to external customers', () => {
    const [event] = request
      .given([])
      .when(open({ requesterId: 'rec-rita', priority: undefined, urgency: 'medium' }), requestContext(receptionist))
      .events();
    expect(event.data).toMatchObject({ audience: 'internal', exposedToExternal: true });
  });

  it("keeps ids with ':' for the desk's own processes: a requester or staff opening an import's future case id is refused", () => {
    for (const actor of [employee, agent, manager]) {
      request
        .given([])
        .when(open({ requestId: 'volvo:im0001234' }), requestContext(actor))
        .thenThrows(ForbiddenError, `may not create request volvo:im0001234: ids with ':' are reserved for the desk's own processes`);
    }
    const [event] = request
      .given([])
      .when(open({ requestId: 'volvo:im0001234' }), requestContext(system))
      .events();
    expect(event.data).toMatchObject({ requestId: 'volvo:im0001234' });
  });

  it('lets the follow-up process open a request that follows up a poor rating, and records which', () => {
    const [event] = request
      .given([])
      .when(open({ requestId: 'r-2', followUpOf: R }), requestContext(system))
      .events();
    expect(event.data).toMatchObject({ requestId: 'r-2', followUpOf: R });
  });

  it('refuses a follow-up of a rating opened by anyone but the process', () => {
    request
      .given([])
      .when(open({ requestId: 'r-2', followUpOf: R }), requestContext(agent))
      .thenThrows(ForbiddenError, 'follow-up', 'only the follow-up process');
  });

  it('has no SLA in a department without service standard', () => {
    const [event] = request
      .given([])
      .when(open({ departmentId: 'hr' }), requestContext(agent))
      .events();
    expect(event.data).toMatchObject({ departmentId: 'hr', sla: null });
  });

  it('records the standard version without due times when it has no target for the priority and audience', () => {
    const [event] = request
      .given([])
      .when(open({ requesterId: 'ext-carl', priority: 'low' }), requestContext(agent))
      .events();
    expect(event.data).toMatchObject({
      sla: {
        departmentId: 'it',
        standardVersion: 1,
        firstResponseMinutes: null,
        resolutionMinutes: null,
        firstResponseDueAt: null,
        resolutionDueAt: null,
      },
    });
  });

  it('derives the priority from impact and urgency', () => {
    const [event] = request
      .given([])
      .when(open({ priority: undefined, impact: 'medium', urgency: 'high' }), requestContext(agent))
      .events();
    expect(event.data).toMatchObject({ priority: 'high', impact: 'medium', urgency: 'high' });
  });

  it('takes urgency alone: the impact is not judged yet, and the priority is weighed as for a medium impact', () => {
    const [event] = request
      .given([])
      .when(open({ priority: undefined, urgency: 'high' }), requestContext(agent))
      .events();
    expect(event.data).toMatchObject({ priority: 'high', impact: null, urgency: 'high' });
  });

  describe('what a requester may say of the priority (REQUESTER_PRIORITY)', () => {
    it('lets a requester give the urgency alone by default, and the desk derive the priority from it', () => {
      for (const urgency of LEVELS) {
        const [event] = request
          .given([])
          .when(open({ priority: undefined, urgency }), requestContext(employee))
          .events();
        expect(event.data).toMatchObject({ priority: derivePriority('medium', urgency), impact: null, urgency });
      }
    });

    it("refuses a requester naming a priority or an impact by default: those are the desk's to judge", () => {
      for (const data of [
        {},
        { priority: 'critical' as const },
        { priority: undefined, impact: 'high' as const, urgency: 'high' as const },
      ]) {
        request
          .given([])
          .when(open(data), requestContext(employee))
          .thenThrows(ForbiddenError, 'a requester may not set the priority or the impact of a request on this desk');
      }
    });

    it('lets a requester choose the priority on a desk that allows it (REQUESTER_PRIORITY=any)', () => {
      const anything = { policies: { ...DEFAULT_DESK_POLICIES, requesterPriority: 'any' as const } };
      request
        .given([])
        .when(open(), requestContext(employee, MONDAY_9, anything))
        .then([opened]);
      const [event] = request
        .given([])
        .when(open({ priority: undefined, impact: 'high', urgency: 'high' }), requestContext(employee, MONDAY_9, anything))
        .events();
      expect(event.data).toMatchObject({ priority: 'critical', impact: 'high', urgency: 'high' });
    });

    it('holds staff and the processes to nothing of it', () => {
      for (const actor of [agent, manager, system]) {
        const [event] = request
          .given([])
          .when(open({ priority: 'critical' }), requestContext(actor))
          .events();
        expect(event.data).toMatchObject({ priority: 'critical' });
      }
    });
  });

  it('derives priority as impact × urgency', () => {
    const expected: Record<Level, Record<Level, Priority>> = {
      high: { high: 'critical', medium: 'high', low: 'medium' },
      medium: { high: 'high', medium: 'medium', low: 'low' },
      low: { high: 'medium', medium: 'low', low: 'low' },
    };
    for (const impact of LEVELS)
      for (const urgency of LEVELS)
        expect([impact, urgency, derivePriority(impact, urgency)]).toEqual([impact, urgency, expected[impact][urgency]]);
  });

  it('refuses a request that already exists', () => {
    request
      .given([opened])
      .when(open(), requestContext(agent))
      .thenThrows(CommandRefusedError, 'cannot open request r-1: it already exists (and is new)');
  });

  it('needs a registered requester and an existing department', () => {
    request
      .given([])
      .when(open({ requesterId: 'nobody' }), requestContext(agent))
      .thenThrows(NotFoundError, 'no customer is registered with that id');
    request
      .given([])
      .when(open({ departmentId: 'kitchen' }), requestContext(agent))
      .thenThrows(NotFoundError, 'department kitchen: it does not exist');
  });

  it('needs a priority, or urgency (with impact when known), but not both', () => {
    const none = request
      .given([])
      .when(open({ priority: undefined }), requestContext(agent))
      .thenThrows(InvalidCommandError);
    expect(none.fields).toEqual({ priority: 'is required (or give urgency, and impact when known, to derive it)' });
    const both = request
      .given([])
      .when(open({ impact: 'high', urgency: 'high' }), requestContext(agent))
      .thenThrows(InvalidCommandError);
    expect(both.fields).toEqual({ priority: 'give either a priority, or impact and urgency to derive it, not both' });
    const half = request
      .given([])
      .when(open({ priority: undefined, impact: 'high' }), requestContext(agent))
      .thenThrows(InvalidCommandError);
    expect(half.fields).toEqual({ urgency: 'is required with impact' });
  });

  it('refuses invalid fields, naming each', () => {
    const error = request
      .given([])
      .when(
        open({
          requestId: 'r 1',
          subject: '',
          description: 'x'.repeat(10_001),
          priority: 'urgent' as never,
          channel: 'fax',
          category: 'y'.repeat(101),
        }),
        requestContext(agent),
      )
      .thenThrows(InvalidCommandError, 'invalid OpenRequest');
    expect(Object.keys(error.fields!)).toEqual(['requestId', 'subject', 'description', 'priority', 'channel', 'category']);
  });

  it('lets a requester open only for themselves', () => {
    request
      .given([])
      .when(open({ requesterId: 'ext-carl' }), requestContext(employee))
      .thenThrows(ForbiddenError, 'may only open requests for themselves');
  });

  it('is refused to analysts and operators', () => {
    request.given([]).when(open(), requestContext(analyst)).thenThrows(ForbiddenError, 'an analyst may not open a request');
    request.given([]).when(open(), requestContext(operator)).thenThrows(ForbiddenError);
  });
});

describe('AssignRequest', () => {
  it('assigns a new request', () => {
    request
      .given([opened])
      .when({ type: 'AssignRequest', data: { agentId: 'agent-ann' } }, requestContext(manager))
      .then([assigned]);
  });

  it('reassigns, also from in_progress, remembering the previous agent', () => {
    request
      .given([opened, assigned, started])
      .when({ type: 'AssignRequest', data: { agentId: 'agent-bob' } }, requestContext(manager))
      .then([{ type: 'RequestAssigned', data: { requestId: R, agentId: 'agent-bob', previousAgentId: 'agent-ann' } }]);
  });

  it('refuses assigning the same agent again', () => {
    request
      .given([opened, assigned])
      .when({ type: 'AssignRequest', data: { agentId: 'agent-ann' } }, requestContext(agent))
      .thenThrows(CommandRefusedError, 'it is already assigned to them');
  });

  it('refuses a malformed agent id', () => {
    request
      .given([opened])
      .when({ type: 'AssignRequest', data: { agentId: '' } }, requestContext(agent))
      .thenThrows(InvalidCommandError, 'agentId');
  });

  it('is refused to requesters', () => {
    request
      .given([opened])
      .when({ type: 'AssignRequest', data: { agentId: 'agent-ann' } }, requestContext(employee))
      .thenThrows(ForbiddenError, 'a requester may not assign a request: only agent, manager or system may');
  });

  it('refuses an agent nobody registered, as a referenced entity that does not exist', () => {
    request
      .given([opened])
      .when({ type: 'AssignRequest', data: { agentId: 'agent-zed' } }, requestContext(manager))
      .thenThrows(NotFoundError, 'cannot assign request r-1 to agent-zed: no agent is registered with that id');
  });

  it("refuses an agent who does not work in the request's department, naming where they work", () => {
    const inHr = [{ ...opened, data: { ...opened.data, departmentId: 'hr' } } as RequestEvent];
    request
      .given(inHr)
      .when({ type: 'AssignRequest', data: { agentId: 'agent-bob' } }, requestContext(manager))
      .thenThrows(CommandRefusedError, 'cannot assign request r-1 to agent agent-bob: they do not work in department hr (they work in it)');
    request
      .given(inHr)
      .when({ type: 'AssignRequest', data: { agentId: 'agent-ann' } }, requestContext(manager))
      .then([{ type: 'RequestAssigned', data: { requestId: R, agentId: 'agent-ann', previousAgentId: null } }]);
  });

  it('checks the department the request is in at assignment time, after a transfer', () => {
    const transferred: RequestEvent = {
      type: 'RequestTransferred',
      data: { requestId: R, fromDepartmentId: 'it', toDepartmentId: 'hr', reason: 'wrong desk' },
    };
    request
      .given([opened, assigned, transferred])
      .when({ type: 'AssignRequest', data: { agentId: 'agent-bob' } }, requestContext(manager))
      .thenThrows(CommandRefusedError, 'they do not work in department hr');
  });
});

describe('agents and the requests they hold', () => {
  it('a transfer leaves the request unassigned in its new department, so nobody outside it holds it', () => {
    const events = request
      .given([opened, assigned, started])
      .when({ type: 'TransferRequest', data: { toDepartmentId: 'hr', reason: 'wrong desk' } }, requestContext(manager))
      .events();
    const after = [opened, assigned, started, ...events].reduce(evolveRequest, initialRequestState);
    expect(after).toMatchObject({ status: 'new', departmentId: 'hr', assigneeId: null });
  });

  it('work is started by the assignee even after they left the department: the assignment stands until a manager reassigns', () => {
    const annInHrOnly = stateAfter(agentDecider, [
      { type: 'AgentRegistered', data: { agentId: 'agent-ann', name: 'Ann', departmentIds: ['hr'], tier: 'L1' } },
    ]);
    request
      .given([opened, assigned])
      .when({ type: 'StartWork', data: {} }, requestContext(agent, undefined, { agents: [['agent-ann', annInHrOnly]] }))
      .then([started]);
  });
});

describe('StartWork', () => {
  it('is started by the assignee', () => {
    request.given([opened, assigned]).when({ type: 'StartWork', data: {} }, requestContext(agent)).then([started]);
  });

  it('may be started by a manager on behalf of the assignee', () => {
    request.given([opened, assigned]).when({ type: 'StartWork', data: {} }, requestContext(manager)).then([started]);
  });

  it('is refused to another agent', () => {
    request
      .given([opened, assigned])
      .when({ type: 'StartWork', data: {} }, requestContext(otherAgent))
      .thenThrows(ForbiddenError, 'agent agent-bob may not start work on request r-1: it is assigned to agent-ann');
  });

  it('is refused to the requester', () => {
    request.given([opened, assigned]).when({ type: 'StartWork', data: {} }, requestContext(employee)).thenThrows(ForbiddenError);
  });
});

describe('PutOnHold', () => {
  const other: RequestState = [{ ...opened, data: { ...opened.data, requestId: 'r-2' } } as RequestEvent].reduce(
    evolveRequest,
    initialRequestState,
  );

  it('holds awaiting the requester, pausing the clock', () => {
    request
      .given([opened, assigned, started])
      .when(
        { type: 'PutOnHold', data: { reason: 'awaiting_requester', note: 'asked for the serial number' } },
        requestContext(agent, LATER),
      )
      .then([
        {
          type: 'RequestPutOnHold',
          data: {
            requestId: R,
            reason: 'awaiting_requester',
            note: 'asked for the serial number',
            blockingRequestId: null,
            clockPaused: true,
            heldAt: LATER.toISOString(),
          },
        },
      ]);
  });

  it('holds for a third party without pausing the clock', () => {
    request
      .given([opened, assigned])
      .when({ type: 'PutOnHold', data: { reason: 'awaiting_third_party' } }, requestContext(agent, LATER))
      .then([heldAt(LATER, 'awaiting_third_party')]);
  });

  it('holds blocked by another existing request', () => {
    request
      .given([opened, assigned])
      .when(
        { type: 'PutOnHold', data: { reason: 'blocked_by_request', blockingRequestId: 'r-2' } },
        requestContext(agent, LATER, { requests: [['r-2', other]] }),
      )
      .then([heldAt(LATER, 'blocked_by_request')]);
  });

  it('needs the blocking request, not itself, and only for that reason', () => {
    const missing = request
      .given([opened, assigned])
      .when({ type: 'PutOnHold', data: { reason: 'blocked_by_request' } }, requestContext(agent))
      .thenThrows(InvalidCommandError);
    expect(missing.fields).toEqual({ blockingRequestId: 'is required when the reason is blocked_by_request' });
    request
      .given([opened, assigned])
      .when({ type: 'PutOnHold', data: { reason: 'blocked_by_request', blockingRequestId: R } }, requestContext(agent))
      .thenThrows(InvalidCommandError, 'a request cannot block itself');
    request
      .given([opened, assigned])
      .when({ type: 'PutOnHold', data: { reason: 'awaiting_requester', blockingRequestId: 'r-2' } }, requestContext(agent))
      .thenThrows(InvalidCommandError, 'only given when the reason is blocked_by_request');
    request
      .given([opened, assigned])
      .when({ type: 'PutOnHold', data: { reason: 'on_vacation' as never } }, requestContext(agent))
      .thenThrows(InvalidCommandError, 'reason must be one of');
  });

  it('refuses an unknown or finished blocking request', () => {
    request
      .given([opened, assigned])
      .when({ type: 'PutOnHold', data: { reason: 'blocked_by_request', blockingRequestId: 'r-9' } }, requestContext(agent))
      .thenThrows(NotFoundError, 'blocking request r-9 does not exist');
    const finished = evolveRequest(other, { type: 'RequestCancelled', data: { requestId: 'r-2', reason: 'dup' } });
    request
      .given([opened, assigned])
      .when(
        { type: 'PutOnHold', data: { reason: 'blocked_by_request', blockingRequestId: 'r-2' } },
        requestContext(agent, LATER, { requests: [['r-2', finished]] }),
      )
      .thenThrows(CommandRefusedError, 'that request is cancelled, so it blocks nothing');
  });

  it('is refused to the requester', () => {
    request
      .given([opened, assigned])
      .when({ type: 'PutOnHold', data: { reason: 'awaiting_requester' } }, requestContext(employee))
      .thenThrows(ForbiddenError);
  });
});

describe('ResumeWork', () => {
  it('resumes a request held for a third party: the clock ran, nothing moves', () => {
    request
      .given([opened, assigned, heldAt(LATER)])
      .when({ type: 'ResumeWork', data: {} }, requestContext(agent, minutesAfter(LATER, 60)))
      .then([
        {
          type: 'RequestResumed',
          data: {
            requestId: R,
            pausedMinutes: 0,
            firstResponseDueAt: opened.data.sla!.firstResponseDueAt,
            resolutionDueAt: opened.data.sla!.resolutionDueAt,
          },
        },
      ]);
  });

  it('is refused to the requester', () => {
    request
      .given([opened, assigned, heldAt(LATER)])
      .when({ type: 'ResumeWork', data: {} }, requestContext(employee))
      .thenThrows(ForbiddenError);
  });
});

describe('ResolveRequest', () => {
  it('resolves, recording who and when, and how it fares by the SLA clock', () => {
    const resolved = resolvedAt(LATER);
    request
      .given([opened, assigned, started])
      .when({ type: 'ResolveRequest', data: { resolution: 'Replaced the disk' } }, requestContext(agent, LATER))
      // Opened Monday 09:00 local, resolved 09:30: 30 business minutes, well before the resolution due at 17:00.
      .then([{ ...resolved, data: { ...resolved.data, withinTarget: true, businessMinutes: 30 } }]);
  });

  it('needs a resolution', () => {
    request
      .given([opened, assigned])
      .when({ type: 'ResolveRequest', data: { resolution: '  ' } }, requestContext(agent))
      .thenThrows(InvalidCommandError, 'resolution must not be empty');
  });

  it('is refused to the requester', () => {
    request
      .given([opened, assigned])
      .when({ type: 'ResolveRequest', data: { resolution: 'ok' } }, requestContext(employee))
      .thenThrows(ForbiddenError);
  });
});

describe('CloseRequest', () => {
  const resolvedHistory = [opened, assigned, resolvedAt(LATER)];
  const closedBy = (by: string) => [{ type: 'RequestClosed', data: { requestId: R, closedBy: by } }] as RequestEvent[];

  it('is closed by the requester', () => {
    request.given(resolvedHistory).when({ type: 'CloseRequest', data: {} }, requestContext(employee)).then(closedBy('requester'));
  });

  it('is closed by an agent', () => {
    request.given(resolvedHistory).when({ type: 'CloseRequest', data: {} }, requestContext(agent)).then(closedBy('agent'));
  });

  it('is closed by the system after the quiet period', () => {
    request.given(resolvedHistory).when({ type: 'CloseRequest', data: {} }, requestContext(system)).then(closedBy('system'));
  });

  it('is refused to another requester as if the request did not exist', () => {
    request
      .given(resolvedHistory)
      .when({ type: 'CloseRequest', data: {} }, requestContext(client))
      .thenThrows(NotFoundError, 'cannot close a request that does not exist');
  });
});

describe('CancelRequest', () => {
  it('is withdrawn by the requester', () => {
    request
      .given([opened])
      .when({ type: 'CancelRequest', data: { reason: 'solved itself' } }, requestContext(employee))
      .then([cancelled]);
  });

  it('is cancelled by an agent, with or without a reason', () => {
    request
      .given([opened, assigned])
      .when({ type: 'CancelRequest', data: { reason: '' } }, requestContext(agent))
      .then([{ type: 'RequestCancelled', data: { requestId: R, reason: '' } }]);
  });

  it('is refused to another requester as if the request did not exist', () => {
    request
      .given([opened])
      .when({ type: 'CancelRequest', data: { reason: 'x' } }, requestContext(client))
      .thenThrows(NotFoundError, 'cannot cancel a request that does not exist');
  });
});

describe('ReopenRequest', () => {
  it('is reopened by the requester of a resolved request', () => {
    const [event] = request
      .given([opened, assigned, resolvedAt(LATER)])
      .when({ type: 'ReopenRequest', data: { reason: 'still black' } }, requestContext(employee, LATER))
      .events();
    expect(event).toEqual({
      type: 'RequestReopened',
      data: {
        requestId: R,
        reason: 'still black',
        pausedMinutes: 0,
        firstResponseDueAt: opened.data.sla!.firstResponseDueAt,
        resolutionDueAt: opened.data.sla!.resolutionDueAt,
      },
    });
  });

  it('reopens a closed request for the system (an import keeping a second cycle of work), restarting its clock', () => {
    const closed: RequestEvent = { type: 'RequestClosed', data: { requestId: R, closedBy: 'agent' } };
    const LATEST = minutesAfter(MONDAY_9, 90);
    const given = request.given([opened, assigned, resolvedAt(LATER), closed]);
    const [event] = given.when({ type: 'ReopenRequest', data: { reason: 'as recorded' } }, requestContext(system, LATEST)).events();
    expect(event).toMatchObject({ type: 'RequestReopened', data: { requestId: R, reason: 'as recorded', pausedMinutes: 60 } });
    const state = stateAfter(requestDecider, [opened, assigned, resolvedAt(LATER), closed, event]);
    expect(state).toMatchObject({ status: 'in_progress', closedBy: null, resolvedAt: null, reopenCount: 1 });
  });

  it('leaves a closed request closed for people', () => {
    const closed: RequestEvent = { type: 'RequestClosed', data: { requestId: R, closedBy: 'agent' } };
    for (const actor of [employee, agent]) {
      request
        .given([opened, assigned, resolvedAt(LATER), closed])
        .when({ type: 'ReopenRequest', data: { reason: 'x' } }, requestContext(actor))
        .thenThrows(CommandRefusedError, 'cannot reopen a request that is closed: only resolved requests can be reopened');
    }
  });

  it('is refused to another requester as if the request did not exist', () => {
    request
      .given([opened, assigned, resolvedAt(LATER)])
      .when({ type: 'ReopenRequest', data: { reason: 'x' } }, requestContext(client))
      .thenThrows(NotFoundError, 'cannot reopen a request that does not exist');
  });
});

describe('TransferRequest', () => {
  it('moves the request back to new in the other department, keeping its SLA', () => {
    request
      .given([opened, assigned, started])
      .when({ type: 'TransferRequest', data: { toDepartmentId: 'hr', reason: 'it is about payroll' } }, requestContext(agent))
      .then([
        { type: 'RequestTransferred', data: { requestId: R, fromDepartmentId: 'it', toDepartmentId: 'hr', reason: 'it is about payroll' } },
      ]);
  });

  it('ends a hold first, restarting a paused clock', () => {
    const events = request
      .given([opened, assigned, heldAt(LATER, 'awaiting_requester')])
      .when({ type: 'TransferRequest', data: { toDepartmentId: 'hr', reason: 'payroll' } }, requestContext(agent, minutesAfter(LATER, 60)))
      .events();
    expect(events.map((e) => e.type)).toEqual(['RequestResumed', 'RequestTransferred']);
    // An hour paused: 10:00 → 11:00 local, and 17:00 → Tuesday 10:00 local.
    expect(events[0].data).toMatchObject({
      pausedMinutes: 60,
      firstResponseDueAt: '2025-03-03T10:00:00.000Z',
      resolutionDueAt: '2025-03-04T09:00:00.000Z',
    });
    const state = request.given([opened, assigned, heldAt(LATER, 'awaiting_requester'), ...events]).state;
    expect(state).toMatchObject({
      status: 'new',
      departmentId: 'hr',
      assigneeId: null,
      hold: null,
      sla: { departmentId: 'it', pausedMinutes: 60, clockStoppedSince: null },
    });
  });

  it('refuses the department it is already in, and unknown departments', () => {
    request
      .given([opened])
      .when({ type: 'TransferRequest', data: { toDepartmentId: 'it', reason: 'x' } }, requestContext(agent))
      .thenThrows(CommandRefusedError, 'cannot transfer request r-1 to department it: it is already there');
    request
      .given([opened])
      .when({ type: 'TransferRequest', data: { toDepartmentId: 'kitchen', reason: 'x' } }, requestContext(agent))
      .thenThrows(NotFoundError, 'department kitchen: it does not exist');
  });

  it('needs a reason', () => {
    request
      .given([opened])
      .when({ type: 'TransferRequest', data: { toDepartmentId: 'hr', reason: '' } }, requestContext(agent))
      .thenThrows(InvalidCommandError, 'reason must not be empty');
  });

  it('is refused to the requester', () => {
    request
      .given([opened])
      .when({ type: 'TransferRequest', data: { toDepartmentId: 'hr', reason: 'x' } }, requestContext(employee))
      .thenThrows(ForbiddenError);
  });
});

describe('EscalateRequest', () => {
  const escalated = (from: string, to: string) =>
    ({ type: 'RequestEscalated', data: { requestId: R, fromTier: from, toTier: to, reason: 'hard one' } }) as RequestEvent;
  const escalate = { type: 'EscalateRequest', data: { reason: 'hard one' } } as const;

  it('escalates L1 → L2 → L3', () => {
    request
      .given([opened])
      .when(escalate, requestContext(agent))
      .then([escalated('L1', 'L2')]);
    request
      .given([opened, escalated('L1', 'L2')])
      .when(escalate, requestContext(agent))
      .then([escalated('L2', 'L3')]);
  });

  it('refuses escalating beyond L3', () => {
    request
      .given([opened, escalated('L1', 'L2'), escalated('L2', 'L3')])
      .when(escalate, requestContext(agent))
      .thenThrows(CommandRefusedError, 'cannot escalate request r-1 beyond L3: it is already at the highest support tier');
  });

  it('is refused to the requester', () => {
    request.given([opened]).when(escalate, requestContext(employee)).thenThrows(ForbiddenError);
  });
});

describe('ChangePriority', () => {
  it('refuses the priority it already has, and both priority and impact/urgency', () => {
    request
      .given([opened])
      .when({ type: 'ChangePriority', data: { priority: 'high', reason: 'x' } }, requestContext(agent))
      .thenThrows(CommandRefusedError, 'cannot change the priority of request r-1 to high: it already is high');
    request
      .given([opened])
      .when({ type: 'ChangePriority', data: { impact: 'medium', urgency: 'high', reason: 'x' } }, requestContext(agent))
      .thenThrows(CommandRefusedError, 'it already is high');
    request
      .given([opened])
      .when({ type: 'ChangePriority', data: { priority: 'low', impact: 'low', urgency: 'low', reason: 'x' } }, requestContext(agent))
      .thenThrows(InvalidCommandError, 'not both');
  });

  it('changes the priority of a request without SLA, keeping it without', () => {
    const noSla = { ...opened, data: { ...opened.data, departmentId: 'hr', sla: null } } as RequestEvent;
    request
      .given([noSla])
      .when({ type: 'ChangePriority', data: { impact: 'low', urgency: 'low', reason: 'cosmetic' } }, requestContext(agent))
      .then([
        {
          type: 'RequestPriorityChanged',
          data: {
            requestId: R,
            from: 'high',
            to: 'low',
            impact: 'low',
            urgency: 'low',
            reason: 'cosmetic',
            firstResponseMinutes: null,
            resolutionMinutes: null,
            firstResponseDueAt: null,
            resolutionDueAt: null,
          },
        },
      ]);
  });

  it('is refused to the requester', () => {
    request
      .given([opened])
      .when({ type: 'ChangePriority', data: { priority: 'critical', reason: 'x' } }, requestContext(employee))
      .thenThrows(ForbiddenError);
  });
});

describe('AddComment', () => {
  const comment = (commentId: string, visibility: 'public' | 'internal' = 'public') =>
    ({ type: 'AddComment', data: { commentId, body: 'Looking into it', visibility } }) as const;
  const added = (commentId: string, authorId: string, authorRole: string, visibility = 'public') =>
    ({
      type: 'CommentAdded',
      data: { requestId: R, commentId, authorId, authorRole, body: 'Looking into it', visibility },
    }) as RequestEvent;

  it('gives the first response with the first public agent reply', () => {
    request
      .given([opened, assigned])
      .when(comment('c-1'), requestContext(agent, LATER))
      .then([
        added('c-1', 'agent-ann', 'agent'),
        {
          type: 'FirstResponseGiven',
          data: {
            requestId: R,
            agentId: 'agent-ann',
            respondedAt: LATER.toISOString(),
            dueAt: '2025-03-03T09:00:00.000Z',
            withinTarget: true,
            // 09:00 to 09:30 local, in the IT department's office hours.
            businessMinutes: 30,
          },
        },
      ]);
  });

  it('marks a late first response as outside its target', () => {
    const [, response] = request
      .given([opened])
      .when(comment('c-1'), requestContext(manager, minutesAfter(MONDAY_9, 61)))
      .events();
    expect(response.data).toMatchObject({ withinTarget: false });
  });

  it('gives no first response for internal notes, requester comments, or once one was given', () => {
    request
      .given([opened])
      .when(comment('c-1', 'internal'), requestContext(agent))
      .then([added('c-1', 'agent-ann', 'agent', 'internal')]);
    request
      .given([opened])
      .when(comment('c-1'), requestContext(employee))
      .then([added('c-1', 'emp-eva', 'requester')]);
    const firstResponse: RequestEvent = {
      type: 'FirstResponseGiven',
      data: { requestId: R, agentId: 'agent-ann', respondedAt: LATER.toISOString(), dueAt: null, withinTarget: true },
    };
    request
      .given([opened, added('c-1', 'agent-ann', 'agent'), firstResponse])
      .when(comment('c-2'), requestContext(otherAgent))
      .then([added('c-2', 'agent-bob', 'agent')]);
  });

  it('has no target to meet without SLA', () => {
    const [, response] = request
      .given([{ ...opened, data: { ...opened.data, sla: null } } as RequestEvent])
      .when(comment('c-1'), requestContext(agent))
      .events();
    expect(response.data).toMatchObject({ dueAt: null, withinTarget: null });
  });

  it('refuses a comment id used before', () => {
    request
      .given([opened, added('c-1', 'emp-eva', 'requester')])
      .when(comment('c-1'), requestContext(agent))
      .thenThrows(CommandRefusedError, 'a comment with that id already exists');
  });

  it('refuses an empty body', () => {
    request
      .given([opened])
      .when({ type: 'AddComment', data: { commentId: 'c-1', body: '', visibility: 'public' } }, requestContext(agent))
      .thenThrows(InvalidCommandError, 'body must not be empty');
  });

  it('lets requesters comment only publicly, and only on their own requests', () => {
    request
      .given([opened])
      .when(comment('c-1', 'internal'), requestContext(employee))
      .thenThrows(ForbiddenError, 'may only add public comments');
    request
      .given([opened])
      .when(comment('c-1'), requestContext(client))
      .thenThrows(NotFoundError, 'cannot comment on a request that does not exist');
  });
});

describe('RateSatisfaction', () => {
  const rate = (score: number) => ({ type: 'RateSatisfaction', data: { score, comment: 'quick and kind' } }) as const;
  const resolvedHistory = [opened, assigned, resolvedAt(LATER)];

  it('is rated by the requester after resolution', () => {
    request
      .given(resolvedHistory)
      .when(rate(2), requestContext(employee))
      .then([
        {
          type: 'SatisfactionRated',
          data: { requestId: R, requesterId: 'emp-eva', audience: 'internal', score: 2, comment: 'quick and kind' },
        },
      ]);
  });

  it('is rated once', () => {
    const rated: RequestEvent = {
      type: 'SatisfactionRated',
      data: { requestId: R, requesterId: 'emp-eva', audience: 'internal', score: 5, comment: null },
    };
    request
      .given([...resolvedHistory, rated])
      .when(rate(1), requestContext(employee))
      .thenThrows(CommandRefusedError, 'cannot rate request r-1 again: it was already rated 5 out of 5');
  });

  it('takes whole scores from 1 to 5', () => {
    for (const score of [0, 6, 2.5, Number.NaN]) {
      request
        .given(resolvedHistory)
        .when(rate(score), requestContext(employee))
        .thenThrows(InvalidCommandError, 'score must be a whole number from 1 to 5');
    }
  });

  it('is for the requester only', () => {
    request
      .given(resolvedHistory)
      .when(rate(5), requestContext(agent))
      .thenThrows(ForbiddenError, 'an agent may not rate a request: only requester may');
    request
      .given(resolvedHistory)
      .when(rate(5), requestContext(client))
      .thenThrows(NotFoundError, 'cannot rate a request that does not exist');
  });
});

describe('OfferCompensation', () => {
  const offer = (data: Partial<{ compensationId: string; kind: string; amount: number; currency: string; note: string }> = {}) =>
    ({
      type: 'OfferCompensation',
      data: { compensationId: 'k-1', kind: 'credit', amount: 25, currency: 'EUR', note: 'sorry', ...data },
    }) as never;

  it('is offered to an external requester, even after closing', () => {
    request
      .given(historyTo('closed', openedByClient))
      .when(offer(), requestContext(agent))
      .then([
        {
          type: 'CompensationOffered',
          data: { requestId: R, compensationId: 'k-1', kind: 'credit', amount: 25, currency: 'EUR', note: 'sorry', offeredBy: 'agent-ann' },
        },
      ]);
  });

  it('is refused for internal requesters', () => {
    request
      .given([opened])
      .when(offer(), requestContext(agent))
      .thenThrows(CommandRefusedError, 'compensation is for external requesters only');
  });

  it('refuses a compensation id offered before', () => {
    const offered = request.given([openedByClient]).when(offer(), requestContext(agent)).events();
    request
      .given([openedByClient, ...offered])
      .when(offer(), requestContext(agent))
      .thenThrows(CommandRefusedError, 'it was already offered');
  });

  it('checks amount, currency and kind', () => {
    const error = request
      .given([openedByClient])
      .when(offer({ amount: -1, currency: 'eur', kind: 'cash' }), requestContext(agent))
      .thenThrows(InvalidCommandError);
    expect(Object.keys(error.fields!)).toEqual(['kind', 'amount', 'currency']);
    request
      .given([openedByClient])
      .when(offer({ amount: Number.POSITIVE_INFINITY }), requestContext(agent))
      .thenThrows(InvalidCommandError, 'amount must be a number from 0 to 1000000000');
    request
      .given([openedByClient])
      .when(offer({ amount: 0 }), requestContext(agent))
      .events();
  });

  it('is refused to requesters', () => {
    request.given([openedByClient]).when(offer(), requestContext(client)).thenThrows(ForbiddenError);
  });

  describe('the most one offer may carry (COMPENSATION_MAX_PER_OFFER)', () => {
    const limited = (compensationMaxPerOffer: Record<string, number>) =>
      requestContext(manager, MONDAY_9, { policies: { ...DEFAULT_DESK_POLICIES, compensationMaxPerOffer } });

    it('is 1,000 in any currency by default: up to it is offered, beyond it refused, whoever offers', () => {
      request
        .given([openedByClient])
        .when(offer({ amount: 1000 }), requestContext(agent))
        .events();
      for (const actor of [agent, manager]) {
        request
          .given([openedByClient])
          .when(offer({ amount: 1000.01, currency: 'JPY' }), requestContext(actor))
          .thenThrows(CommandRefusedError, 'cannot offer 1000.01 JPY on request r-1: one offer may carry at most 1000 JPY on this desk');
      }
    });

    it("is the desk owner's, by currency, with * for the others", () => {
      const policy = limited({ EUR: 50, '*': 10 });
      request
        .given([openedByClient])
        .when(offer({ amount: 50 }), policy)
        .events();
      request
        .given([openedByClient])
        .when(offer({ amount: 50.5 }), policy)
        .thenThrows(CommandRefusedError, 'at most 50 EUR');
      request
        .given([openedByClient])
        .when(offer({ amount: 11, currency: 'USD' }), policy)
        .thenThrows(CommandRefusedError, 'at most 10 USD');
    });

    it('refuses a currency the desk does not offer compensation in', () => {
      request
        .given([openedByClient])
        .when(offer({ currency: 'USD' }), limited({ EUR: 50, GBP: 40 }))
        .thenThrows(CommandRefusedError, 'cannot offer compensation in USD on request r-1: this desk offers compensation in EUR, GBP only');
    });
  });
});

describe('parseCompensationMaxPerOffer', () => {
  it('reads one amount for every currency, or amounts by currency with * for the others', () => {
    expect(parseCompensationMaxPerOffer('500')).toEqual({ '*': 500 });
    expect(parseCompensationMaxPerOffer(' EUR:500, USD:550.5 ,*:300')).toEqual({ EUR: 500, USD: 550.5, '*': 300 });
  });

  it('names what is wrong', () => {
    expect(() => parseCompensationMaxPerOffer('lots')).toThrow(
      "must be an amount from 0 to 1000000000 with at most 2 decimals, got 'lots'",
    );
    expect(() => parseCompensationMaxPerOffer('-1')).toThrow('from 0 to');
    expect(() => parseCompensationMaxPerOffer('1.001')).toThrow('at most 2 decimals');
    for (const notDecimal of ['0x10', '1e3', '', '1,000', '5.'])
      expect(() => parseCompensationMaxPerOffer(notDecimal)).toThrow('must be an amount');
    expect(() => parseCompensationMaxPerOffer('1000000000.01')).toThrow('from 0 to 1000000000');
    expect(() => parseCompensationMaxPerOffer('eur:5')).toThrow("got 'eur:5'");
    expect(() => parseCompensationMaxPerOffer('EUR:5,EUR:6')).toThrow('names EUR twice');
    expect(() => parseCompensationMaxPerOffer('EUR:')).toThrow('for EUR must be an amount');
    expect(() => parseCompensationMaxPerOffer('EUR:5:6')).toThrow('CURRENCY:AMOUNT');
  });
});

describe('requestLookups', () => {
  const none = { departmentIds: [], customerIds: [], requestIds: [], agentIds: [] };
  const state = (events: RequestEvent[]) => events.reduce(evolveRequest, initialRequestState);

  it('opening loads the department and the requester', () => {
    expect(requestLookups(open(), initialRequestState)).toEqual({
      departmentIds: ['it'],
      customerIds: ['emp-eva'],
      requestIds: [],
      agentIds: [],
    });
  });

  it('assigning loads the agent, to check they are registered and work in the department', () => {
    expect(requestLookups({ type: 'AssignRequest', data: { agentId: 'agent-bob' } }, state([opened]))).toEqual({
      ...none,
      agentIds: ['agent-bob'],
    });
  });

  it('re-targeting loads the department the SLA is measured against, even after a transfer', () => {
    const transferred: RequestEvent = {
      type: 'RequestTransferred',
      data: { requestId: R, fromDepartmentId: 'it', toDepartmentId: 'hr', reason: 'x' },
    };
    const s = state([opened, transferred]);
    expect(requestLookups({ type: 'ChangePriority', data: { priority: 'low', reason: 'x' } }, s)).toEqual({
      ...none,
      departmentIds: ['it'],
    });
    expect(requestLookups({ type: 'ResumeWork', data: {} }, s)).toEqual({ ...none, departmentIds: ['it'] });
    expect(requestLookups({ type: 'ReopenRequest', data: { reason: '' } }, s)).toEqual({ ...none, departmentIds: ['it'] });
    expect(
      requestLookups(
        { type: 'ChangePriority', data: { priority: 'low', reason: 'x' } },
        state([{ ...opened, data: { ...opened.data, sla: null } } as RequestEvent]),
      ),
    ).toEqual(none);
  });

  it('transferring loads the target department, and the SLA department when a paused clock restarts', () => {
    const transfer = { type: 'TransferRequest', data: { toDepartmentId: 'hr', reason: 'x' } } as const;
    expect(requestLookups(transfer, state([opened]))).toEqual({ ...none, departmentIds: ['hr'] });
    expect(requestLookups(transfer, state([opened, assigned, heldAt(LATER, 'awaiting_requester')]))).toEqual({
      ...none,
      departmentIds: ['hr', 'it'],
    });
  });

  it('a hold blocked by a request loads that request', () => {
    expect(
      requestLookups({ type: 'PutOnHold', data: { reason: 'blocked_by_request', blockingRequestId: 'r-2' } }, state([opened])),
    ).toEqual({ ...none, requestIds: ['r-2'] });
  });

  it('a comment that may be the first response, and a resolution, load the SLA department for the calendar their minutes count in', () => {
    const comment = { type: 'AddComment', data: { commentId: 'c', body: 'b', visibility: 'public' } } as const;
    const answered: RequestEvent = {
      type: 'FirstResponseGiven',
      data: { requestId: R, agentId: 'agent-ann', respondedAt: LATER.toISOString(), dueAt: null, withinTarget: null },
    };
    expect(requestLookups(comment, state([opened]))).toEqual({ ...none, departmentIds: ['it'] });
    expect(requestLookups(comment, state([opened, answered]))).toEqual(none);
    expect(requestLookups({ type: 'ResolveRequest', data: { resolution: 'done' } }, state([opened]))).toEqual({
      ...none,
      departmentIds: ['it'],
    });
    const withoutStandard = state([{ ...opened, data: { ...opened.data, sla: null } } as RequestEvent]);
    expect(requestLookups(comment, withoutStandard)).toEqual(none);
    expect(requestLookups({ type: 'ResolveRequest', data: { resolution: 'done' } }, withoutStandard)).toEqual(none);
  });
});
