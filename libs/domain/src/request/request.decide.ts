import { worksIn, type AgentState } from '../agent/agent.state';
import type { CustomerState } from '../customer/customer.state';
import type { BusinessCalendar, ServiceStandard } from '../department/department.events';
import { currentServiceStandard, serviceStandardVersion, type DepartmentState } from '../department/department.state';
import { CommandRefusedError, ForbiddenError, NotFoundError } from '../shared/errors';
import type { Actor, DecisionContext, Role } from '../shared/event';
import { DEFAULT_DESK_POLICIES } from '../shared/policies';
import { WORKER_ROLES, refuseReservedId, withArticle } from '../shared/roles';
import {
  COMPENSATION_AMOUNT,
  FieldProblems,
  isOneOf,
  SATISFACTION_SCORES,
  TAG_LIMITS,
  TEXT_LIMITS,
  textOrNull,
} from '../shared/validation';
import {
  CHANNELS,
  COMPENSATION_KINDS,
  HOLD_REASONS,
  LEVELS,
  PRIORITIES,
  REQUEST_STATUSES,
  SLA_TARGETS,
  TIERS,
  VISIBILITIES,
  type Audience,
  type Level,
  type Priority,
  type RequestStatus,
} from '../shared/vocabulary';
import {
  dueAt,
  isClockStopped,
  isPastDue,
  minutesRun,
  reachedWithinTarget,
  restartAt,
  STARTED_CLOCK,
  type ClockRestart,
  type SlaClock,
} from '../sla/sla-clock';
import type {
  AddComment,
  AssignRequest,
  CancelRequest,
  ChangePriority,
  CloseRequest,
  EscalateRequest,
  OfferCompensation,
  OpenRequest,
  PutOnHold,
  RateSatisfaction,
  RecordSlaBreach,
  ReopenRequest,
  RequestCommand,
  ResolveRequest,
  ResumeWork,
  StartWork,
  TagRequest,
  TransferRequest,
  UntagRequest,
} from './request.commands';
import type {
  CommentAdded,
  CompensationOffered,
  FirstResponseGiven,
  RequestAssigned,
  RequestCancelled,
  RequestClosed,
  RequestEscalated,
  RequestEvent,
  RequestOpened,
  RequestPriorityChanged,
  RequestPutOnHold,
  RequestReopened,
  RequestResolved,
  RequestResumed,
  RequestTagged,
  RequestTransferred,
  RequestUntagged,
  RequestWorkStarted,
  SatisfactionRated,
  SlaBreached,
  SlaTerms,
} from './request.events';
import { OPEN_STATUSES, type OpenedRequest, type RequestState } from './request.state';

/** What a request decision reads besides its own stream; loaded as `requestLookups` says. */
export interface RequestDecisionContext extends DecisionContext {
  departments: ReadonlyMap<string, DepartmentState>;
  customers: ReadonlyMap<string, CustomerState>;
  requests: ReadonlyMap<string, RequestState>;
  agents: ReadonlyMap<string, AgentState>;
}

export interface AggregateLookups {
  departmentIds: string[];
  customerIds: string[];
  requestIds: string[];
  agentIds: string[];
}

/**
 * Which other aggregates the application must load before deciding `command`:
 * - OpenRequest: its department (current service standard) and its requester;
 * - TransferRequest: the target department, and the SLA's department when a
 *   stopped clock must restart (transfer of a request on hold awaiting the requester);
 * - ChangePriority, ResumeWork, ReopenRequest: the SLA's department
 *   (`sla.departmentId`), for the targets and calendar of the standard version it records;
 * - AddComment before the first response, ResolveRequest: the SLA's department,
 *   for the calendar the business minutes of the first response or the resolution count in;
 * - PutOnHold blocked by a request: that request;
 * - AssignRequest: the agent, who must be registered and work in the request's department.
 */
export function requestLookups(command: RequestCommand, state: RequestState): AggregateLookups {
  const lookups: AggregateLookups = { departmentIds: [], customerIds: [], requestIds: [], agentIds: [] };
  const sla = state.status === 'absent' ? null : state.sla;
  switch (command.type) {
    case 'OpenRequest':
      lookups.departmentIds.push(command.data.departmentId);
      lookups.customerIds.push(command.data.requesterId);
      break;
    case 'TransferRequest':
      lookups.departmentIds.push(command.data.toDepartmentId);
      if (sla && isClockStopped(sla)) lookups.departmentIds.push(sla.departmentId);
      break;
    case 'ChangePriority':
    case 'ResumeWork':
    case 'ReopenRequest':
    case 'ResolveRequest':
      if (sla) lookups.departmentIds.push(sla.departmentId);
      break;
    case 'AddComment':
      if (sla && state.status !== 'absent' && state.firstResponse === null) lookups.departmentIds.push(sla.departmentId);
      break;
    case 'AssignRequest':
      if (typeof command.data.agentId === 'string') lookups.agentIds.push(command.data.agentId);
      break;
    case 'PutOnHold':
      if (command.data.reason === 'blocked_by_request' && typeof command.data.blockingRequestId === 'string') {
        lookups.requestIds.push(command.data.blockingRequestId);
      }
      break;
    default:
      break;
  }
  return lookups;
}

export function decideRequest(command: RequestCommand, state: RequestState, context: RequestDecisionContext): RequestEvent[] {
  switch (command.type) {
    case 'OpenRequest':
      return openRequest(command, state, context);
    case 'AssignRequest':
      return assignRequest(command, state, context);
    case 'StartWork':
      return startWork(command, state, context);
    case 'PutOnHold':
      return putOnHold(command, state, context);
    case 'ResumeWork':
      return resumeWork(command, state, context);
    case 'ResolveRequest':
      return resolveRequest(command, state, context);
    case 'CloseRequest':
      return closeRequest(command, state, context);
    case 'CancelRequest':
      return cancelRequest(command, state, context);
    case 'ReopenRequest':
      return reopenRequest(command, state, context);
    case 'TransferRequest':
      return transferRequest(command, state, context);
    case 'EscalateRequest':
      return escalateRequest(command, state, context);
    case 'ChangePriority':
      return changePriority(command, state, context);
    case 'AddComment':
      return addComment(command, state, context);
    case 'RateSatisfaction':
      return rateSatisfaction(command, state, context);
    case 'OfferCompensation':
      return offerCompensation(command, state, context);
    case 'TagRequest':
      return tagRequest(command, state, context);
    case 'UntagRequest':
      return untagRequest(command, state, context);
    case 'RecordSlaBreach':
      return recordSlaBreach(command, state, context);
    default: {
      const _: never = command;
      throw new Error(`unknown request command ${(command as { type: string }).type}`);
    }
  }
}

// ---------------------------------------------------------------------------
// The lifecycle table: from which states each command is allowed, and who may issue it.

type LaterCommandType = Exclude<RequestCommand['type'], 'OpenRequest'>;

interface Rule {
  /** "cannot <verb> a request that is …" */
  verb: string;
  /** "only … requests can <can>" */
  can: string;
  from: readonly RequestStatus[];
  /** Roles that may issue it; a requester only on their own requests. */
  roles: readonly Role[];
}

const WORKERS_AND_REQUESTER: readonly Role[] = [...WORKER_ROLES, 'requester'];
const OPEN_OR_RESOLVED: readonly RequestStatus[] = [...OPEN_STATUSES, 'resolved'];
const NOT_CANCELLED: readonly RequestStatus[] = [...OPEN_STATUSES, 'resolved', 'closed'];

export const REQUEST_LIFECYCLE: Readonly<Record<LaterCommandType, Rule>> = {
  AssignRequest: { verb: 'assign', can: 'be assigned', from: ['new', 'assigned', 'in_progress'], roles: WORKER_ROLES },
  StartWork: { verb: 'start work on', can: 'be started', from: ['assigned'], roles: WORKER_ROLES },
  PutOnHold: { verb: 'put on hold', can: 'be put on hold', from: ['assigned', 'in_progress'], roles: WORKER_ROLES },
  ResumeWork: { verb: 'resume', can: 'be resumed', from: ['on_hold'], roles: WORKER_ROLES },
  ResolveRequest: { verb: 'resolve', can: 'be resolved', from: ['assigned', 'in_progress', 'on_hold'], roles: WORKER_ROLES },
  CloseRequest: { verb: 'close', can: 'be closed', from: ['resolved'], roles: WORKERS_AND_REQUESTER },
  CancelRequest: { verb: 'cancel', can: 'be cancelled', from: OPEN_STATUSES, roles: WORKERS_AND_REQUESTER },
  ReopenRequest: { verb: 'reopen', can: 'be reopened', from: ['resolved'], roles: WORKERS_AND_REQUESTER },
  TransferRequest: { verb: 'transfer', can: 'be transferred', from: OPEN_STATUSES, roles: WORKER_ROLES },
  EscalateRequest: { verb: 'escalate', can: 'be escalated', from: OPEN_STATUSES, roles: WORKER_ROLES },
  ChangePriority: { verb: 'change the priority of', can: 'have their priority changed', from: OPEN_STATUSES, roles: WORKER_ROLES },
  AddComment: { verb: 'comment on', can: 'be commented on', from: OPEN_OR_RESOLVED, roles: WORKERS_AND_REQUESTER },
  RateSatisfaction: { verb: 'rate', can: 'be rated', from: ['resolved', 'closed'], roles: ['requester'] },
  OfferCompensation: { verb: 'offer compensation on', can: 'receive compensation', from: NOT_CANCELLED, roles: WORKER_ROLES },
  RecordSlaBreach: { verb: 'record an SLA breach on', can: 'have an SLA breach recorded', from: NOT_CANCELLED, roles: ['system'] },
  // Tags classify for staff's filters and reports: closed and cancelled requests are tagged too (a post-mortem's "outage-0312").
  TagRequest: { verb: 'tag', can: 'be tagged', from: REQUEST_STATUSES, roles: WORKER_ROLES },
  UntagRequest: { verb: 'untag', can: 'be untagged', from: REQUEST_STATUSES, roles: WORKER_ROLES },
};

function listOf(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Refuses every transition not in the table, naming the current state and the command. */
function allowTransition(command: { type: LaterCommandType }, request: OpenedRequest): void {
  const rule = REQUEST_LIFECYCLE[command.type];
  if (!rule.from.includes(request.status)) {
    throw new CommandRefusedError(
      `cannot ${rule.verb} a request that is ${request.status}: only ${listOf(rule.from)} requests can ${rule.can} (${command.type} refused for request ${request.requestId})`,
    );
  }
}

/**
 * Whether this actor may address this request at all, in this order: their
 * role (the lifecycle table's), then the request's existence, where a
 * requester's own requests are the only ones that exist: someone else's is
 * refused exactly as one that does not exist (404, the same message), so no
 * answer tells a requester that it exists, what state it is in or at which
 * revision. The write path calls it before it looks at an Idempotency-Key or
 * If-Match (see admitRequestCommand); every later command's decision starts with it.
 */
function admitted(command: { type: LaterCommandType }, state: RequestState, actor: Actor): OpenedRequest {
  const rule = REQUEST_LIFECYCLE[command.type];
  if (!rule.roles.includes(actor.role)) {
    throw new ForbiddenError(`${withArticle(actor.role)} may not ${rule.verb} a request: only ${listOf(rule.roles)} may`);
  }
  if (state.status === 'absent' || !ownsOrWorks(state, actor)) {
    throw new NotFoundError(`cannot ${rule.verb} a request that does not exist`);
  }
  return state;
}

/** A requester addresses only their own requests; everyone else, every request. */
function ownsOrWorks(request: OpenedRequest, actor: Actor): boolean {
  return actor.role !== 'requester' || request.requesterId === actor.id;
}

/**
 * What the write path checks before anything else about a request command
 * (the Idempotency-Key, If-Match, the command's content): role, then
 * existence as the actor may know it (`admitted`). An OpenRequest a requester
 * sends with the id of someone else's request is refused without its state.
 */
export function admitRequestCommand(command: RequestCommand, state: RequestState, actor: Actor): void {
  if (command.type === 'OpenRequest') {
    authorizeOpening(command, actor);
    if (state.status !== 'absent' && !ownsOrWorks(state, actor)) throw idTaken(command.data.requestId);
    return;
  }
  admitted(command, state, actor);
}

/** Who may open a request: staff and the desk's processes, and a requester for themselves. */
function authorizeOpening(command: OpenRequest, actor: Actor): void {
  const { requesterId } = command.data;
  if (actor.role === 'requester') {
    if (requesterId !== actor.id) {
      throw new ForbiddenError(`requester ${actor.id} may only open requests for themselves, not for ${requesterId}`);
    }
  } else if (!WORKER_ROLES.includes(actor.role)) {
    throw new ForbiddenError(`${withArticle(actor.role)} may not open a request: only requesters, agents, managers and system may`);
  }
  refuseReservedId(actor, 'request', command.data.requestId);
}

function idTaken(requestId: string): CommandRefusedError {
  return new CommandRefusedError(`cannot open request ${requestId}: that id is taken; leave id out and the desk chooses one`);
}

// ---------------------------------------------------------------------------
// Priority and SLA

const LEVEL_WEIGHT: Record<Level, number> = { high: 3, medium: 2, low: 1 };

/**
 * Priority = impact × urgency: high/high → critical; high/medium, medium/high
 * → high; high/low, medium/medium, low/high → medium; anything lower → low.
 */
export function derivePriority(impact: Level, urgency: Level): Priority {
  const weight = LEVEL_WEIGHT[impact] + LEVEL_WEIGHT[urgency];
  if (weight >= 6) return 'critical';
  if (weight === 5) return 'high';
  if (weight === 4) return 'medium';
  return 'low';
}

/** The impact an urgency given alone is weighed against until staff judge it (the event records impact as not judged: null). */
const UNJUDGED_IMPACT: Level = 'medium';

/**
 * Either a priority, or impact and urgency (both), or with `urgencyAlone` (a request being opened) urgency alone:
 * checks the fields as the HTTP bodies do, and gives the priority when they are valid.
 */
function checkPriorityChoice(
  data: { priority?: unknown; impact?: unknown; urgency?: unknown },
  problems: FieldProblems,
  options: { urgencyAlone?: boolean } = {},
): { priority: Priority; impact: Level | null; urgency: Level | null } | null {
  if (!problems.priorityChoice(data, options)) return null;
  const { priority, impact, urgency } = data;
  if (isOneOf(priority, PRIORITIES)) return { priority, impact: null, urgency: null };
  if (!isOneOf(urgency, LEVELS)) return null;
  return isOneOf(impact, LEVELS)
    ? { priority: derivePriority(impact, urgency), impact, urgency }
    : { priority: derivePriority(UNJUDGED_IMPACT, urgency), impact: null, urgency };
}

/**
 * A desk's REQUESTER_PRIORITY=urgency (the default): a requester says how urgent their request is, and the priority
 * and the impact are the desk's to judge. Refuses a requester's request naming either.
 */
function refuseRequesterPriority(data: { priority?: unknown; impact?: unknown }, context: DecisionContext): void {
  const policies = context.policies ?? DEFAULT_DESK_POLICIES;
  if (context.actor.role !== 'requester' || policies.requesterPriority !== 'urgency') return;
  const given = (value: unknown) => value !== undefined && value !== null;
  if (given(data.priority) || given(data.impact)) {
    throw new ForbiddenError(
      'a requester may not set the priority or the impact of a request on this desk: give its urgency (low, medium or high), and the desk judges its impact',
    );
  }
}

function targetMinutes(standard: ServiceStandard, priority: Priority, audience: Audience) {
  const target = standard.targets.find((t) => t.priority === priority && t.audience === audience);
  return {
    firstResponseMinutes: target?.firstResponseMinutes ?? null,
    resolutionMinutes: target?.resolutionMinutes ?? null,
  };
}

/** The standard version a request records, from its department: it is never rewritten by later versions. */
function recordedStandard(sla: SlaTerms, context: RequestDecisionContext): ServiceStandard {
  const department = context.departments.get(sla.departmentId);
  const standard = department ? serviceStandardVersion(department, sla.standardVersion) : null;
  if (!standard) {
    // Departments and their standard versions are never removed: only missing lookups lead here.
    throw new Error(
      `service standard version ${sla.standardVersion} of department ${sla.departmentId} was not loaded (see requestLookups)`,
    );
  }
  return standard;
}

/** Restarting the clock (resume, reopen, transfer of a held request), in the calendar of the standard the request records. */
function restartClock(request: OpenedRequest, context: RequestDecisionContext): ClockRestart {
  const sla = request.sla;
  if (!sla) return { pausedMinutes: 0, firstResponseDueAt: null, resolutionDueAt: null };
  const calendar = isClockStopped(sla) ? recordedStandard(sla, context).calendar : null;
  return restartAt(request.openedAt, sla, request.firstResponse !== null, context.now, calendar);
}

/**
 * The clock a request is measured by and the calendar it counts in. A request
 * opened without a service standard has no pauses to count: its clock runs
 * every minute from opening.
 */
function slaClock(request: OpenedRequest, context: RequestDecisionContext): { clock: SlaClock; calendar: BusinessCalendar | null } {
  return request.sla
    ? { clock: request.sla, calendar: recordedStandard(request.sla, context).calendar }
    : { clock: STARTED_CLOCK, calendar: null };
}

// ---------------------------------------------------------------------------
// Commands

function openRequest(command: OpenRequest, state: RequestState, context: RequestDecisionContext): RequestOpened[] {
  const { actor } = context;
  const data = command.data;
  authorizeOpening(command, actor);

  const problems = new FieldProblems();
  problems.id('requestId', data.requestId);
  problems.id('requesterId', data.requesterId);
  problems.id('departmentId', data.departmentId);
  problems.text('subject', data.subject, TEXT_LIMITS.subject);
  problems.optionalText('description', data.description, TEXT_LIMITS.description);
  refuseRequesterPriority(data, context);
  const choice = checkPriorityChoice(data, problems, { urgencyAlone: true });
  if (data.channel !== undefined && data.channel !== null) problems.oneOf('channel', data.channel, CHANNELS);
  problems.optionalText('category', data.category, TEXT_LIMITS.category);
  if (data.followUpOf !== undefined) problems.id('followUpOf', data.followUpOf);
  problems.throwIfAny(command.type);
  if (data.followUpOf !== undefined && actor.role !== 'system') {
    throw new ForbiddenError(`${withArticle(actor.role)} may not open a follow-up of a rating: only the follow-up process may`);
  }

  if (state.status !== 'absent') {
    if (!ownsOrWorks(state, actor)) throw idTaken(data.requestId);
    throw new CommandRefusedError(`cannot open request ${data.requestId}: it already exists (and is ${state.status})`);
  }
  const requester = context.customers.get(data.requesterId);
  if (!requester || requester.status === 'absent') {
    throw new NotFoundError(`cannot open a request for ${data.requesterId}: no customer is registered with that id`);
  }
  const department = context.departments.get(data.departmentId);
  if (!department || department.status === 'absent') {
    throw new NotFoundError(`cannot open a request in department ${data.departmentId}: it does not exist`);
  }

  const { priority, impact, urgency } = choice!;
  const audience = requester.type;
  const openedAt = context.now.toISOString();
  const standard = currentServiceStandard(department);
  let sla: SlaTerms | null = null;
  if (standard) {
    const minutes = targetMinutes(standard, priority, audience);
    sla = {
      departmentId: department.departmentId,
      standardVersion: standard.version,
      ...minutes,
      firstResponseDueAt: dueAt(openedAt, minutes.firstResponseMinutes, 0, standard.calendar),
      resolutionDueAt: dueAt(openedAt, minutes.resolutionMinutes, 0, standard.calendar),
    };
  }
  return [
    {
      type: 'RequestOpened',
      data: {
        requestId: data.requestId,
        requesterId: data.requesterId,
        audience,
        requesterKind: requester.kind,
        exposedToExternal: requester.type === 'internal' && requester.customerFacing,
        departmentId: data.departmentId,
        subject: data.subject.trim(),
        description: data.description ?? '',
        priority,
        impact,
        urgency,
        channel: isOneOf(data.channel, CHANNELS) ? data.channel : 'portal',
        category: textOrNull(data.category),
        tier: 'L1',
        openedAt,
        ...(data.followUpOf !== undefined ? { followUpOf: data.followUpOf } : {}),
        sla,
      },
    },
  ];
}

function assignRequest(command: AssignRequest, state: RequestState, context: RequestDecisionContext): RequestAssigned[] {
  const request = admitted(command, state, context.actor);
  const problems = new FieldProblems();
  problems.id('agentId', command.data.agentId);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  if (request.assigneeId === command.data.agentId) {
    throw new CommandRefusedError(`cannot assign request ${request.requestId} to ${command.data.agentId}: it is already assigned to them`);
  }
  // Who may hold a request is decided here, at assignment time. Later moves between teams do not unassign anyone (a
  // manager reassigns), and a transfer leaves the request unassigned in its new department.
  const assignee = context.agents.get(command.data.agentId);
  if (!assignee || assignee.status === 'absent') {
    throw new NotFoundError(`cannot assign request ${request.requestId} to ${command.data.agentId}: no agent is registered with that id`);
  }
  if (!worksIn(assignee, request.departmentId)) {
    throw new CommandRefusedError(
      `cannot assign request ${request.requestId} to agent ${assignee.agentId}: they do not work in department ${request.departmentId} (they work in ${assignee.departmentIds.join(', ')})`,
    );
  }
  return [
    {
      type: 'RequestAssigned',
      data: { requestId: request.requestId, agentId: command.data.agentId, previousAgentId: request.assigneeId },
    },
  ];
}

function startWork(command: StartWork, state: RequestState, context: RequestDecisionContext): RequestWorkStarted[] {
  const request = admitted(command, state, context.actor);
  allowTransition(command, request);
  const { actor } = context;
  // Work is started by whoever holds it; a manager (or a process) may start it on their behalf.
  if (actor.role === 'agent' && actor.id !== request.assigneeId) {
    throw new ForbiddenError(
      `agent ${actor.id} may not start work on request ${request.requestId}: it is assigned to ${request.assigneeId}; only the assignee or a manager may`,
    );
  }
  return [{ type: 'RequestWorkStarted', data: { requestId: request.requestId, agentId: request.assigneeId! } }];
}

function putOnHold(command: PutOnHold, state: RequestState, context: RequestDecisionContext): RequestPutOnHold[] {
  const request = admitted(command, state, context.actor);
  const { reason, note, blockingRequestId } = command.data;
  const problems = new FieldProblems();
  problems.oneOf('reason', reason, HOLD_REASONS);
  problems.optionalText('note', note, TEXT_LIMITS.note);
  problems.holdBlocking(reason, blockingRequestId, request.requestId);
  problems.throwIfAny(command.type);
  allowTransition(command, request);

  if (reason === 'blocked_by_request') {
    const blocking = context.requests.get(blockingRequestId!);
    if (!blocking || blocking.status === 'absent') {
      throw new NotFoundError(`cannot put request ${request.requestId} on hold: blocking request ${blockingRequestId} does not exist`);
    }
    if (!OPEN_STATUSES.includes(blocking.status)) {
      throw new CommandRefusedError(
        `cannot put request ${request.requestId} on hold blocked by request ${blockingRequestId}: that request is ${blocking.status}, so it blocks nothing`,
      );
    }
  }
  return [
    {
      type: 'RequestPutOnHold',
      data: {
        requestId: request.requestId,
        reason,
        note: textOrNull(note),
        blockingRequestId: reason === 'blocked_by_request' ? blockingRequestId! : null,
        // Only the requester's silence stops the clock: third parties and other requests are the desk's problem.
        clockPaused: reason === 'awaiting_requester',
        heldAt: context.now.toISOString(),
      },
    },
  ];
}

function resumeWork(command: ResumeWork, state: RequestState, context: RequestDecisionContext): RequestResumed[] {
  const request = admitted(command, state, context.actor);
  allowTransition(command, request);
  return [{ type: 'RequestResumed', data: { requestId: request.requestId, ...restartClock(request, context) } }];
}

function resolveRequest(command: ResolveRequest, state: RequestState, context: RequestDecisionContext): RequestResolved[] {
  const request = admitted(command, state, context.actor);
  const problems = new FieldProblems();
  problems.text('resolution', command.data.resolution, TEXT_LIMITS.resolution);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  const { clock, calendar } = slaClock(request, context);
  return [
    {
      type: 'RequestResolved',
      data: {
        requestId: request.requestId,
        resolution: command.data.resolution,
        resolvedBy: context.actor.id,
        resolvedAt: context.now.toISOString(),
        withinTarget: reachedWithinTarget(clock, request.sla?.resolutionDueAt ?? null, context.now),
        businessMinutes: minutesRun(request.openedAt, clock, context.now, calendar),
      },
    },
  ];
}

function closeRequest(command: CloseRequest, state: RequestState, context: RequestDecisionContext): RequestClosed[] {
  const request = admitted(command, state, context.actor);
  allowTransition(command, request);
  const { actor } = context;
  // The requester may also be staff (an agent with a request of their own): who closes is about identity, not role.
  const closedBy = actor.role === 'system' ? 'system' : actor.id === request.requesterId ? 'requester' : 'agent';
  return [{ type: 'RequestClosed', data: { requestId: request.requestId, closedBy } }];
}

function cancelRequest(command: CancelRequest, state: RequestState, context: RequestDecisionContext): RequestCancelled[] {
  const request = admitted(command, state, context.actor);
  const problems = new FieldProblems();
  problems.optionalText('reason', command.data.reason, TEXT_LIMITS.optionalReason);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  return [{ type: 'RequestCancelled', data: { requestId: request.requestId, reason: command.data.reason ?? '' } }];
}

function reopenRequest(command: ReopenRequest, state: RequestState, context: RequestDecisionContext): RequestReopened[] {
  const request = admitted(command, state, context.actor);
  const problems = new FieldProblems();
  problems.optionalText('reason', command.data.reason, TEXT_LIMITS.optionalReason);
  problems.throwIfAny(command.type);
  // Closed is final for people; the system may reopen a closed request, as an import does to keep a second cycle of
  // work the source recorded after closing it.
  if (!(request.status === 'closed' && context.actor.role === 'system')) allowTransition(command, request);
  return [
    {
      type: 'RequestReopened',
      data: { requestId: request.requestId, reason: command.data.reason ?? '', ...restartClock(request, context) },
    },
  ];
}

function transferRequest(
  command: TransferRequest,
  state: RequestState,
  context: RequestDecisionContext,
): Array<RequestResumed | RequestTransferred> {
  const request = admitted(command, state, context.actor);
  const { toDepartmentId, reason } = command.data;
  const problems = new FieldProblems();
  problems.id('toDepartmentId', toDepartmentId);
  problems.text('reason', reason, TEXT_LIMITS.reason);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  if (toDepartmentId === request.departmentId) {
    throw new CommandRefusedError(`cannot transfer request ${request.requestId} to department ${toDepartmentId}: it is already there`);
  }
  const target = context.departments.get(toDepartmentId);
  if (!target || target.status === 'absent') {
    throw new NotFoundError(`cannot transfer request ${request.requestId} to department ${toDepartmentId}: it does not exist`);
  }
  const events: Array<RequestResumed | RequestTransferred> = [];
  // A transferred request lands as new in the other queue: a hold ends with it, and a stopped clock restarts.
  if (request.status === 'on_hold') {
    events.push({ type: 'RequestResumed', data: { requestId: request.requestId, ...restartClock(request, context) } });
  }
  events.push({
    type: 'RequestTransferred',
    data: { requestId: request.requestId, fromDepartmentId: request.departmentId, toDepartmentId, reason },
  });
  return events;
}

function escalateRequest(command: EscalateRequest, state: RequestState, context: RequestDecisionContext): RequestEscalated[] {
  const request = admitted(command, state, context.actor);
  const problems = new FieldProblems();
  problems.text('reason', command.data.reason, TEXT_LIMITS.reason);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  const index = TIERS.indexOf(request.tier);
  if (index === TIERS.length - 1) {
    throw new CommandRefusedError(
      `cannot escalate request ${request.requestId} beyond ${request.tier}: it is already at the highest support tier`,
    );
  }
  return [
    {
      type: 'RequestEscalated',
      data: { requestId: request.requestId, fromTier: request.tier, toTier: TIERS[index + 1], reason: command.data.reason },
    },
  ];
}

function changePriority(command: ChangePriority, state: RequestState, context: RequestDecisionContext): RequestPriorityChanged[] {
  const request = admitted(command, state, context.actor);
  const problems = new FieldProblems();
  const choice = checkPriorityChoice(command.data, problems);
  problems.text('reason', command.data.reason, TEXT_LIMITS.reason);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  const { priority, impact, urgency } = choice!;
  if (priority === request.priority) {
    throw new CommandRefusedError(`cannot change the priority of request ${request.requestId} to ${priority}: it already is ${priority}`);
  }

  // Re-target against the version the request records, never the department's current one.
  let terms = { firstResponseMinutes: null, resolutionMinutes: null, firstResponseDueAt: null, resolutionDueAt: null } as Pick<
    SlaTerms,
    'firstResponseMinutes' | 'resolutionMinutes' | 'firstResponseDueAt' | 'resolutionDueAt'
  >;
  const sla = request.sla;
  if (sla) {
    const standard = recordedStandard(sla, context);
    const minutes = targetMinutes(standard, priority, request.audience);
    const responded = request.firstResponse !== null;
    terms = {
      // A first response already given was measured against the old target; that outcome stands.
      firstResponseMinutes: responded ? sla.firstResponseMinutes : minutes.firstResponseMinutes,
      firstResponseDueAt: responded
        ? sla.firstResponseDueAt
        : dueAt(request.openedAt, minutes.firstResponseMinutes, sla.pausedMinutes, standard.calendar),
      resolutionMinutes: minutes.resolutionMinutes,
      resolutionDueAt: dueAt(request.openedAt, minutes.resolutionMinutes, sla.pausedMinutes, standard.calendar),
    };
  }
  return [
    {
      type: 'RequestPriorityChanged',
      data: { requestId: request.requestId, from: request.priority, to: priority, impact, urgency, reason: command.data.reason, ...terms },
    },
  ];
}

function addComment(command: AddComment, state: RequestState, context: RequestDecisionContext): Array<CommentAdded | FirstResponseGiven> {
  const request = admitted(command, state, context.actor);
  const { actor, now } = context;
  const { commentId, body, visibility } = command.data;
  const problems = new FieldProblems();
  problems.id('commentId', commentId);
  problems.text('body', body, TEXT_LIMITS.commentBody);
  problems.oneOf('visibility', visibility, VISIBILITIES);
  problems.throwIfAny(command.type);
  if (actor.role === 'requester' && visibility !== 'public') {
    throw new ForbiddenError(`requester ${actor.id} may only add public comments: internal notes are for the people working the request`);
  }
  allowTransition(command, request);
  if (request.commentIds.includes(commentId)) {
    throw new CommandRefusedError(`cannot add comment ${commentId} to request ${request.requestId}: a comment with that id already exists`);
  }

  const events: Array<CommentAdded | FirstResponseGiven> = [
    {
      type: 'CommentAdded',
      data: { requestId: request.requestId, commentId, authorId: actor.id, authorRole: actor.role, body, visibility },
    },
  ];
  const isDeskReply = visibility === 'public' && (actor.role === 'agent' || actor.role === 'manager');
  if (isDeskReply && request.firstResponse === null) {
    const due = request.sla?.firstResponseDueAt ?? null;
    const { clock, calendar } = slaClock(request, context);
    events.push({
      type: 'FirstResponseGiven',
      data: {
        requestId: request.requestId,
        agentId: actor.id,
        respondedAt: now.toISOString(),
        dueAt: due,
        withinTarget: reachedWithinTarget(clock, due, now),
        businessMinutes: minutesRun(request.openedAt, clock, now, calendar),
      },
    });
  }
  return events;
}

function rateSatisfaction(command: RateSatisfaction, state: RequestState, context: RequestDecisionContext): SatisfactionRated[] {
  const request = admitted(command, state, context.actor);
  const { score, comment } = command.data;
  const problems = new FieldProblems();
  problems.integer('score', score, SATISFACTION_SCORES);
  problems.optionalText('comment', comment, TEXT_LIMITS.ratingComment);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  if (request.satisfaction) {
    throw new CommandRefusedError(
      `cannot rate request ${request.requestId} again: it was already rated ${request.satisfaction.score} out of 5`,
    );
  }
  return [
    {
      type: 'SatisfactionRated',
      data: {
        requestId: request.requestId,
        requesterId: request.requesterId,
        audience: request.audience,
        score,
        comment: textOrNull(comment),
      },
    },
  ];
}

function offerCompensation(command: OfferCompensation, state: RequestState, context: RequestDecisionContext): CompensationOffered[] {
  const request = admitted(command, state, context.actor);
  const { compensationId, kind, amount, currency, note } = command.data;
  const problems = new FieldProblems();
  problems.id('compensationId', compensationId);
  problems.oneOf('kind', kind, COMPENSATION_KINDS);
  problems.amount('amount', amount, COMPENSATION_AMOUNT);
  problems.currency('currency', currency);
  problems.optionalText('note', note, TEXT_LIMITS.note);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  if (request.audience !== 'external') {
    throw new CommandRefusedError(
      `cannot offer compensation on request ${request.requestId}: its requester ${request.requesterId} is an internal customer; compensation is for external requesters only`,
    );
  }
  if (request.compensationIds.includes(compensationId)) {
    throw new CommandRefusedError(`cannot offer compensation ${compensationId} on request ${request.requestId}: it was already offered`);
  }
  const limits = (context.policies ?? DEFAULT_DESK_POLICIES).compensationMaxPerOffer;
  const limit = limits[currency] ?? limits['*'];
  if (limit === undefined) {
    throw new CommandRefusedError(
      `cannot offer compensation in ${currency} on request ${request.requestId}: this desk offers compensation in ${Object.keys(limits).join(', ')} only`,
    );
  }
  if (amount > limit) {
    throw new CommandRefusedError(
      `cannot offer ${amount} ${currency} on request ${request.requestId}: one offer may carry at most ${limit} ${currency} on this desk`,
    );
  }
  return [
    {
      type: 'CompensationOffered',
      data: {
        requestId: request.requestId,
        compensationId,
        kind,
        amount,
        currency,
        note: textOrNull(note),
        offeredBy: context.actor.id,
      },
    },
  ];
}

/**
 * A tag on a request: a lower-case slug, at most TAG_LIMITS.perRequest per
 * request, in any status. Tagging with a tag it already carries changes
 * nothing ([]: the answer is the request's current revision), so a retried or
 * doubled click is harmless.
 */
function tagRequest(command: TagRequest, state: RequestState, context: RequestDecisionContext): RequestTagged[] {
  const { request, tag } = admittedTag(command, state, context);
  if (request.tags.includes(tag)) return [];
  if (request.tags.length >= TAG_LIMITS.perRequest) {
    throw new CommandRefusedError(
      `cannot tag request ${request.requestId} with ${tag}: it already carries ${TAG_LIMITS.perRequest} tags, the most a request may; remove one first`,
    );
  }
  return [{ type: 'RequestTagged', data: { requestId: request.requestId, tag, taggedBy: context.actor.id } }];
}

/** A tag taken off; one the request does not carry changes nothing ([]), as DELETE is idempotent. */
function untagRequest(command: UntagRequest, state: RequestState, context: RequestDecisionContext): RequestUntagged[] {
  const { request, tag } = admittedTag(command, state, context);
  if (!request.tags.includes(tag)) return [];
  return [{ type: 'RequestUntagged', data: { requestId: request.requestId, tag, untaggedBy: context.actor.id } }];
}

/** What tagging and untagging check alike: the caller, the tag's form and the request's status. */
function admittedTag(command: TagRequest | UntagRequest, state: RequestState, context: RequestDecisionContext) {
  const request = admitted(command, state, context.actor);
  const problems = new FieldProblems();
  problems.tag('tag', command.data.tag);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  return { request, tag: command.data.tag };
}

/**
 * A breach is a fact about the clock: the target's due time passed while the
 * clock ran and before the target was met. It is recorded once per target;
 * a second process noticing the same breach gets [] (nothing to append), so
 * several SLA watchers may race safely. A target met in time, not yet due,
 * or not reached while the clock is stopped is refused.
 */
function recordSlaBreach(command: RecordSlaBreach, state: RequestState, context: RequestDecisionContext): SlaBreached[] {
  const request = admitted(command, state, context.actor);
  const { target } = command.data;
  const problems = new FieldProblems();
  problems.oneOf('target', target, SLA_TARGETS);
  problems.throwIfAny(command.type);
  allowTransition(command, request);
  const sla = request.sla;
  const due = target === 'first_response' ? sla?.firstResponseDueAt : sla?.resolutionDueAt;
  if (!sla || !due) {
    throw new CommandRefusedError(`cannot record a ${target} breach on request ${request.requestId}: it has no ${target} target`);
  }
  if (request.breaches.includes(target)) return [];

  const refuse = (why: string) =>
    new CommandRefusedError(`cannot record a ${target} breach on request ${request.requestId} (${request.status}): ${why}`);
  if (target === 'first_response' && request.firstResponse) {
    // The first-response clock stopped with the reply; its outcome was measured then.
    if (request.firstResponse.withinTarget !== false) throw refuse(`the first response was given within its target (due ${due})`);
  } else if (!isPastDue(sla, due, context.now)) {
    if (request.status === 'resolved' || request.status === 'closed') throw refuse(`it was resolved within its target (due ${due})`);
    if (isClockStopped(sla)) throw refuse(`the SLA clock is paused since ${sla.clockStoppedSince}, before the due time ${due}`);
    throw refuse(`it is not due yet (due ${due})`);
  }
  return [
    {
      type: 'SlaBreached',
      data: {
        requestId: request.requestId,
        target,
        dueAt: due,
        breachedAt: context.now.toISOString(),
        standardVersion: sla.standardVersion,
      },
    },
  ];
}
