import {
  REQUEST_LIFECYCLE,
  TIERS,
  evolveRequest,
  initialRequestState,
  type RequestCommand,
  type RequestEvent,
  type RequestState,
  type Role,
} from '@desk/domain';
import type { RecordedEvent } from '@desk/event-store';

/** What a race left behind, read back from the log and checked without the product's own deciders. */

type LaterCommand = Exclude<RequestCommand['type'], 'OpenRequest'>;

/** The command each event (group) of a request stream comes from. */
const COMMAND_OF: Record<string, LaterCommand> = {
  RequestAssigned: 'AssignRequest',
  RequestWorkStarted: 'StartWork',
  RequestPutOnHold: 'PutOnHold',
  RequestResumed: 'ResumeWork',
  RequestResolved: 'ResolveRequest',
  RequestClosed: 'CloseRequest',
  RequestCancelled: 'CancelRequest',
  RequestReopened: 'ReopenRequest',
  RequestTransferred: 'TransferRequest',
  RequestEscalated: 'EscalateRequest',
  RequestPriorityChanged: 'ChangePriority',
  CommentAdded: 'AddComment',
  SatisfactionRated: 'RateSatisfaction',
  CompensationOffered: 'OfferCompensation',
  SlaBreached: 'RecordSlaBreach',
};

/** The event types one command may append, in order. */
const SHAPES: Record<string, string[][]> = {
  AssignRequest: [['RequestAssigned']],
  StartWork: [['RequestWorkStarted']],
  PutOnHold: [['RequestPutOnHold']],
  ResumeWork: [['RequestResumed']],
  ResolveRequest: [['RequestResolved']],
  CloseRequest: [['RequestClosed']],
  CancelRequest: [['RequestCancelled']],
  ReopenRequest: [['RequestReopened']],
  TransferRequest: [['RequestTransferred'], ['RequestResumed', 'RequestTransferred']],
  EscalateRequest: [['RequestEscalated']],
  ChangePriority: [['RequestPriorityChanged']],
  AddComment: [['CommentAdded'], ['CommentAdded', 'FirstResponseGiven']],
  RateSatisfaction: [['SatisfactionRated']],
  OfferCompensation: [['CompensationOffered']],
  RecordSlaBreach: [['SlaBreached']],
};

/** Consecutive events of one stream with one causation id: what one command appended. */
export function commandGroups(events: RecordedEvent[]): RecordedEvent[][] {
  const groups: RecordedEvent[][] = [];
  for (const event of events) {
    const last = groups[groups.length - 1];
    if (last && last[0].metadata.causationId === event.metadata.causationId) last.push(event);
    else groups.push([event]);
  }
  return groups;
}

/**
 * Folds one request stream through the domain's evolve, and checks that each command's events were a legal
 * move from the state before them (the lifecycle table, who may do it, and what the events say they changed):
 * a decision taken on a stale state shows up here. Returns the final state.
 */
export function auditRequestStream(events: RecordedEvent[]): RequestState {
  const problems: string[] = [];
  events.forEach((event, index) => {
    if (event.revision !== BigInt(index)) problems.push(`revision ${event.revision} at index ${index}`);
  });
  let state: RequestState = initialRequestState;
  for (const group of commandGroups(events)) {
    const types = group.map((event) => event.type);
    const where = `${group[0].streamId}@${group[0].revision} ${types.join('+')}`;
    const role = group[0].metadata.actorRole as Role;
    const actor = String(group[0].metadata.actor);
    if (types[0] === 'RequestOpened') {
      if (state.status !== 'absent' || types.length !== 1) problems.push(`${where}: opened twice`);
    } else if (state.status === 'absent') {
      problems.push(`${where}: before the request was opened`);
    } else {
      const command = types[0] === 'RequestResumed' && types[1] === 'RequestTransferred' ? 'TransferRequest' : COMMAND_OF[types[0]];
      const rule = command ? REQUEST_LIFECYCLE[command] : undefined;
      if (!rule || !SHAPES[command].some((shape) => shape.join() === types.join())) problems.push(`${where}: no command appends this`);
      else {
        if (!rule.from.includes(state.status)) problems.push(`${where}: ${command} from ${state.status}`);
        if (!rule.roles.includes(role)) problems.push(`${where}: ${command} by a ${role}`);
        if (role === 'requester' && actor !== state.requesterId) problems.push(`${where}: by requester ${actor}, not ${state.requesterId}`);
        const data = group[group.length - 1].data as Record<string, unknown>;
        const before = state;
        const check = (ok: boolean, what: string) => ok || problems.push(`${where}: ${what}`);
        switch (command) {
          case 'AssignRequest':
            check(data.previousAgentId === before.assigneeId, `previous agent ${data.previousAgentId}, was ${before.assigneeId}`);
            check(data.agentId !== before.assigneeId, 'assigned to the agent who had it');
            break;
          case 'StartWork':
            check(role !== 'agent' || actor === before.assigneeId, `started by ${actor}, assigned to ${before.assigneeId}`);
            break;
          case 'TransferRequest':
            check(data.fromDepartmentId === before.departmentId, `from ${data.fromDepartmentId}, was in ${before.departmentId}`);
            check(data.toDepartmentId !== before.departmentId, 'transferred where it was');
            check((types.length === 2) === (before.status === 'on_hold'), 'a hold ended by a transfer, or not');
            break;
          case 'EscalateRequest':
            check(data.fromTier === before.tier && TIERS.indexOf(data.toTier as never) === TIERS.indexOf(before.tier) + 1, 'tier skipped');
            break;
          case 'ChangePriority':
            check(
              data.from === before.priority && data.to !== before.priority,
              `priority ${data.from} → ${data.to}, was ${before.priority}`,
            );
            break;
          case 'RateSatisfaction':
            check(before.satisfaction === null, 'rated twice');
            break;
          case 'AddComment':
            check(
              (types.length === 2) ===
                (before.firstResponse === null && group[0].data.visibility === 'public' && (role === 'agent' || role === 'manager')),
              'the first public reply of the desk is the first response, and only it',
            );
            break;
          case 'RecordSlaBreach':
            check(!before.breaches.includes(data.target as never), 'breach recorded twice');
            break;
          default:
            break;
        }
      }
    }
    for (const event of group) state = evolveRequest(state, { type: event.type, data: event.data } as RequestEvent);
  }
  if (problems.length > 0) throw new Error(`illegal lifecycle:\n${problems.join('\n')}`);
  return state;
}

/**
 * Replays every ImpactLinked and ImpactUnlinked of the log in order: no self-link, no link twice, no unlink of a
 * link that is not there, and no cycle at any point. Returns the final links.
 */
export function auditImpactLog(events: RecordedEvent[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  const problems: string[] = [];
  for (const event of events) {
    if (event.type !== 'ImpactLinked' && event.type !== 'ImpactUnlinked') continue;
    const cause = String(event.data.causeRequestId);
    const effect = String(event.data.effectRequestId);
    const effects = graph.get(cause) ?? new Map<string, string>();
    if (event.type === 'ImpactUnlinked') {
      if (!effects.delete(effect)) problems.push(`@${event.position}: unlinked ${cause} → ${effect}, which was not linked`);
      continue;
    }
    const relation = String(event.data.relation);
    if (cause === effect) problems.push(`@${event.position}: self-link ${cause}`);
    if (effects.get(effect) === relation) problems.push(`@${event.position}: ${cause} → ${effect} linked twice`);
    const fresh = !effects.has(effect);
    effects.set(effect, relation);
    graph.set(cause, effects);
    if (fresh && reaches(graph, effect, cause)) problems.push(`@${event.position}: ${cause} → ${effect} closed a cycle`);
  }
  if (problems.length > 0) throw new Error(`illegal impact log:\n${problems.join('\n')}`);
  return graph;
}

/** Whether `to` can be reached from `from` along the links. */
export function reaches(graph: Map<string, Map<string, string>>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === to) return true;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const next of graph.get(node)?.keys() ?? []) stack.push(next);
  }
  return false;
}

export function hasCycle(graph: Map<string, Map<string, string>>): boolean {
  return [...graph].some(([cause, effects]) => [...effects.keys()].some((effect) => reaches(graph, effect, cause)));
}
