import fc from 'fast-check';
import { ForbiddenError, NotFoundError } from '../shared/errors';
import { REQUEST_STATUSES } from '../shared/vocabulary';
import { agent, client, employee, requestContext } from '../testing/fixtures';
import { historyTo, opened } from '../testing/request-history';
import type { RequestCommand } from './request.commands';
import { admitRequestCommand, REQUEST_LIFECYCLE } from './request.decide';
import { requestDecider } from './request.decider';
import { evolveRequest, initialRequestState, type RequestState } from './request.state';

/** One valid command of each type a requester could send about an existing request. */
const LATER_COMMANDS: RequestCommand[] = [
  { type: 'AssignRequest', data: { agentId: 'agent-ann' } },
  { type: 'StartWork', data: {} },
  { type: 'PutOnHold', data: { reason: 'awaiting_requester', note: 'staff only' } },
  { type: 'ResumeWork', data: {} },
  { type: 'ResolveRequest', data: { resolution: 'done' } },
  { type: 'CloseRequest', data: {} },
  { type: 'CancelRequest', data: { reason: 'x' } },
  { type: 'ReopenRequest', data: { reason: 'x' } },
  { type: 'TransferRequest', data: { toDepartmentId: 'hr', reason: 'x' } },
  { type: 'EscalateRequest', data: { reason: 'x' } },
  { type: 'ChangePriority', data: { priority: 'low', reason: 'x' } },
  { type: 'AddComment', data: { commentId: 'c-9', body: 'hello', visibility: 'public' } },
  { type: 'RateSatisfaction', data: { score: 4, comment: null } },
  { type: 'OfferCompensation', data: { compensationId: 'k-9', kind: 'credit', amount: 5, currency: 'EUR', note: null } },
  { type: 'RecordSlaBreach', data: { target: 'resolution' } },
] as RequestCommand[];

const stateOf = (status: (typeof REQUEST_STATUSES)[number]): RequestState => historyTo(status).reduce(evolveRequest, initialRequestState);

/** What deciding throws, as the HTTP edge would show it: its class and message. */
function refusal(run: () => unknown): { error: string; message: string } | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message };
  }
}

describe("admission of a request command: role, then existence, where a requester's own requests are the only ones", () => {
  it("answers a requester about someone else's request, in every state, exactly as about one that does not exist", () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUEST_STATUSES), fc.constantFrom(...LATER_COMMANDS), (status, command) => {
        const absent = refusal(() => requestDecider.decide(command, initialRequestState, requestContext(client)));
        const othersRequest = refusal(() => requestDecider.decide(command, stateOf(status), requestContext(client)));
        expect(othersRequest).toEqual(absent);
        expect(refusal(() => admitRequestCommand(command, stateOf(status), requestContext(client).actor))).toEqual(absent);
        expect(absent).not.toBe('accepted');
      }),
      { numRuns: 200 },
    );
  });

  it('checks the role before existence: a requester sending a staff command learns nothing either way', () => {
    const assign = LATER_COMMANDS[0];
    const asRequester = refusal(() => admitRequestCommand(assign, initialRequestState, employee));
    expect(asRequester).toEqual({
      error: ForbiddenError.name,
      message: 'a requester may not assign a request: only agent, manager or system may',
    });
    expect(refusal(() => admitRequestCommand(assign, stateOf('new'), employee))).toEqual(asRequester);
  });

  it('admits the requester on their own request and staff on every request, leaving the rest to the decision', () => {
    const close = LATER_COMMANDS.find((command) => command.type === 'CloseRequest')!;
    expect(refusal(() => admitRequestCommand(close, stateOf('in_progress'), employee))).toBe('accepted');
    expect(refusal(() => admitRequestCommand(close, stateOf('in_progress'), agent))).toBe('accepted');
    expect(refusal(() => admitRequestCommand(close, initialRequestState, agent))).toEqual({
      error: NotFoundError.name,
      message: `cannot ${REQUEST_LIFECYCLE.CloseRequest.verb} a request that does not exist`,
    });
  });

  it("refuses a requester opening a request with the id of someone else's without telling its state", () => {
    const open: RequestCommand = {
      type: 'OpenRequest',
      data: { requestId: opened.data.requestId, requesterId: client.id, departmentId: 'it', subject: 'mine now', urgency: 'low' },
    } as RequestCommand;
    for (const status of REQUEST_STATUSES) {
      const answer = refusal(() => requestDecider.decide(open, stateOf(status), requestContext(client)));
      expect(answer).toEqual({
        error: 'CommandRefusedError',
        message: 'cannot open request r-1: that id is taken; leave id out and the desk chooses one',
      });
      expect(refusal(() => admitRequestCommand(open, stateOf(status), client))).toEqual(answer);
    }
  });
});
