import { CommandRefusedError, NotFoundError } from '../shared/errors';
import type { Actor } from '../shared/event';
import { REQUEST_STATUSES, type RequestStatus } from '../shared/vocabulary';
import { agent, employee, requestContext, system, client } from '../testing/fixtures';
import { historyTo, openedByClient } from '../testing/request-history';
import { specification } from '../testing/specification';
import type { RequestCommand } from './request.commands';
import type { RequestEvent } from './request.events';
import { REQUEST_LIFECYCLE } from './request.decide';
import { requestDecider } from './request.decider';

/**
 * The lifecycle table of SPEC §3, command by command: allowed from exactly
 * these states, refused from every other one with a message naming the
 * current state and the command.
 */
const request = specification(requestDecider);
const AFTERNOON = new Date('2025-03-03T12:00:00.000Z');

interface Row {
  command: RequestCommand;
  actor: Actor;
  allowed: RequestStatus[];
  /** Words of the refusal that name the command. */
  verb: string;
  external?: boolean;
  /** Events after the status's history, for a command that needs them to do anything (untagging a tag it carries). */
  then?: RequestEvent[];
}

const TABLE: Row[] = [
  {
    command: { type: 'AssignRequest', data: { agentId: 'agent-bob' } },
    actor: agent,
    allowed: ['new', 'assigned', 'in_progress'],
    verb: 'cannot assign',
  },
  { command: { type: 'StartWork', data: {} }, actor: agent, allowed: ['assigned'], verb: 'cannot start work on' },
  {
    command: { type: 'PutOnHold', data: { reason: 'awaiting_requester' } },
    actor: agent,
    allowed: ['assigned', 'in_progress'],
    verb: 'cannot put on hold',
  },
  { command: { type: 'ResumeWork', data: {} }, actor: agent, allowed: ['on_hold'], verb: 'cannot resume' },
  {
    command: { type: 'ResolveRequest', data: { resolution: 'Fixed' } },
    actor: agent,
    allowed: ['assigned', 'in_progress', 'on_hold'],
    verb: 'cannot resolve',
  },
  { command: { type: 'CloseRequest', data: {} }, actor: employee, allowed: ['resolved'], verb: 'cannot close' },
  {
    command: { type: 'CancelRequest', data: { reason: 'no longer needed' } },
    actor: employee,
    allowed: ['new', 'assigned', 'in_progress', 'on_hold'],
    verb: 'cannot cancel',
  },
  { command: { type: 'ReopenRequest', data: { reason: 'still broken' } }, actor: employee, allowed: ['resolved'], verb: 'cannot reopen' },
  {
    command: { type: 'TransferRequest', data: { toDepartmentId: 'hr', reason: 'not IT' } },
    actor: agent,
    allowed: ['new', 'assigned', 'in_progress', 'on_hold'],
    verb: 'cannot transfer',
  },
  {
    command: { type: 'EscalateRequest', data: { reason: 'needs L2' } },
    actor: agent,
    allowed: ['new', 'assigned', 'in_progress', 'on_hold'],
    verb: 'cannot escalate',
  },
  {
    command: { type: 'ChangePriority', data: { priority: 'low', reason: 'workaround found' } },
    actor: agent,
    allowed: ['new', 'assigned', 'in_progress', 'on_hold'],
    verb: 'cannot change the priority of',
  },
  {
    command: { type: 'AddComment', data: { commentId: 'c-1', body: 'Any news?', visibility: 'public' } },
    actor: employee,
    allowed: ['new', 'assigned', 'in_progress', 'on_hold', 'resolved'],
    verb: 'cannot comment on',
  },
  { command: { type: 'RateSatisfaction', data: { score: 4 } }, actor: employee, allowed: ['resolved', 'closed'], verb: 'cannot rate' },
  {
    command: { type: 'OfferCompensation', data: { compensationId: 'k-1', kind: 'credit', amount: 10, currency: 'EUR' } },
    actor: agent,
    allowed: ['new', 'assigned', 'in_progress', 'on_hold', 'resolved', 'closed'],
    verb: 'cannot offer compensation on',
    external: true,
  },
  { command: { type: 'TagRequest', data: { tag: 'vpn' } }, actor: agent, allowed: [...REQUEST_STATUSES], verb: 'cannot tag' },
  {
    command: { type: 'UntagRequest', data: { tag: 'vpn' } },
    actor: agent,
    allowed: [...REQUEST_STATUSES],
    verb: 'cannot untag',
    then: [{ type: 'RequestTagged', data: { requestId: 'r-1', tag: 'vpn', taggedBy: 'agent-ann' } }],
  },
  {
    command: { type: 'RecordSlaBreach', data: { target: 'first_response' } },
    actor: system,
    allowed: ['new', 'assigned', 'in_progress', 'on_hold', 'resolved', 'closed'],
    verb: 'cannot record an SLA breach on',
  },
];

describe('the request lifecycle table', () => {
  it('covers every command but OpenRequest', () => {
    expect(TABLE.map((row) => row.command.type).sort()).toEqual(Object.keys(REQUEST_LIFECYCLE).sort());
    for (const row of TABLE)
      expect([...REQUEST_LIFECYCLE[row.command.type as keyof typeof REQUEST_LIFECYCLE].from].sort()).toEqual([...row.allowed].sort());
  });

  for (const row of TABLE) {
    const actor = row.external && row.actor.role === 'requester' ? client : row.actor;
    const history = (status: RequestStatus) => [...historyTo(status, row.external ? openedByClient : undefined), ...(row.then ?? [])];

    describe(row.command.type, () => {
      for (const status of row.allowed) {
        it(`is allowed from ${status}`, () => {
          expect(request.given(history(status)).when(row.command, requestContext(actor, AFTERNOON)).events().length).toBeGreaterThan(0);
        });
      }
      for (const status of REQUEST_STATUSES.filter((s) => !row.allowed.includes(s))) {
        it(`is refused from ${status}, naming the state and the command`, () => {
          request
            .given(history(status))
            .when(row.command, requestContext(actor, AFTERNOON))
            .thenThrows(CommandRefusedError, `${row.verb} a request that is ${status}:`, `(${row.command.type} refused for request r-1)`);
        });
      }
      it('is refused for a request that does not exist', () => {
        request
          .given([])
          .when(row.command, requestContext(actor, AFTERNOON))
          .thenThrows(NotFoundError, `${row.verb} a request that does not exist`);
      });
    });
  }

  it('reads naturally', () => {
    request
      .given(historyTo('resolved'))
      .when({ type: 'ResumeWork', data: {} }, requestContext(agent, AFTERNOON))
      .thenThrows(CommandRefusedError, 'cannot resume a request that is resolved: only on_hold requests can be resumed');
    request
      .given(historyTo('closed'))
      .when({ type: 'CancelRequest', data: { reason: 'x' } }, requestContext(agent, AFTERNOON))
      .thenThrows(
        CommandRefusedError,
        'cannot cancel a request that is closed: only new, assigned, in_progress or on_hold requests can be cancelled',
      );
  });
});
