import type { RequestState } from '../request/request.state';
import { CommandRefusedError, InvalidCommandError, NotFoundError } from '../shared/errors';
import type { DecisionContext } from '../shared/event';
import { WORKER_ROLES, requireRole } from '../shared/roles';
import { FieldProblems } from '../shared/validation';
import { IMPACT_RELATIONS } from '../shared/vocabulary';
import type { ImpactCommand, LinkImpact, UnlinkImpact } from './impact.commands';
import type { ImpactEvent, ImpactLinked, ImpactUnlinked } from './impact.events';
import { impactPath, impactRelation, type ImpactGraphState } from './impact.state';

/**
 * Impact links are decided on ONE stream, `impact-graph`, that holds every
 * link and unlink of the whole desk. That is what makes the rules race-free:
 *
 * - the decision (no cycle, not already linked, link exists to unlink) is made
 *   against the graph at some revision N;
 * - its event is appended with expected revision exactly N, so it only lands
 *   if no other link or unlink was appended in between;
 * - otherwise the append fails and the command is decided again against the
 *   new graph. Two links that are each acyclic alone but close a cycle
 *   together (A → B and B → A issued at once) therefore can never both be
 *   accepted: the second is re-decided and refused.
 *
 * Per-request streams could not give this guarantee, since a cycle spans
 * many requests and no single request stream sees it. The price is that all
 * link commands are serialised; they are rare next to other request work.
 *
 * Whether the linked requests exist or are cancelled is read from their own
 * streams (context.requests). Requests are never un-cancelled or deleted, so
 * a check that passed stays true; only a cancellation racing with the link can
 * slip through, which leaves a link to a request that was open when linked.
 */
export interface ImpactDecisionContext extends DecisionContext {
  requests: ReadonlyMap<string, RequestState>;
}

/** The requests a link names (both must exist and not be cancelled); an unlink needs none. */
export function impactLookups(command: ImpactCommand): { departmentIds: string[]; customerIds: string[]; requestIds: string[] } {
  const requestIds = command.type === 'LinkImpact' ? [command.data.causeRequestId, command.data.effectRequestId] : [];
  return { departmentIds: [], customerIds: [], requestIds };
}

export function decideImpact(command: ImpactCommand, state: ImpactGraphState, context: ImpactDecisionContext): ImpactEvent[] {
  switch (command.type) {
    case 'LinkImpact':
      return linkImpact(command, state, context);
    case 'UnlinkImpact':
      return unlinkImpact(command, state, context);
    default: {
      const _: never = command;
      throw new Error(`unknown impact command ${(command as { type: string }).type}`);
    }
  }
}

function checkIds(command: ImpactCommand, problems: FieldProblems): void {
  problems.id('causeRequestId', command.data.causeRequestId);
  problems.id('effectRequestId', command.data.effectRequestId);
}

function linkImpact(command: LinkImpact, state: ImpactGraphState, context: ImpactDecisionContext): ImpactLinked[] {
  requireRole(context.actor, WORKER_ROLES, 'link impact between requests');
  const { causeRequestId: cause, effectRequestId: effect, relation } = command.data;
  const problems = new FieldProblems();
  checkIds(command, problems);
  problems.oneOf('relation', relation, IMPACT_RELATIONS);
  problems.throwIfAny(command.type);
  if (cause === effect) {
    throw new InvalidCommandError(
      `cannot link request ${cause} to itself: a request cannot ${relation === 'blocks' ? 'block' : 'degrade'} itself`,
      {
        effectRequestId: 'must name another request than the cause',
      },
    );
  }
  for (const [role, id] of [
    ['cause', cause],
    ['effect', effect],
  ] as const) {
    const request = context.requests.get(id);
    if (!request || request.status === 'absent') {
      throw new NotFoundError(`cannot link ${cause} → ${effect}: the ${role} request ${id} does not exist`);
    }
    if (request.status === 'cancelled') {
      throw new CommandRefusedError(`cannot link ${cause} → ${effect}: the ${role} request ${id} is cancelled`);
    }
  }

  const current = impactRelation(state, cause, effect);
  if (current === relation) {
    throw new CommandRefusedError(`cannot link ${cause} → ${effect}: they are already linked (${cause} ${relation} ${effect})`);
  }
  // A link that already exists is part of an acyclic graph: changing its relation cannot close a cycle.
  if (current === null) {
    const back = impactPath(state, effect, cause);
    if (back) {
      throw new CommandRefusedError(`linking ${cause} → ${effect} would close the cycle ${[...back, effect].join(' → ')}`);
    }
  }
  return [{ type: 'ImpactLinked', data: { causeRequestId: cause, effectRequestId: effect, relation } }];
}

function unlinkImpact(command: UnlinkImpact, state: ImpactGraphState, context: ImpactDecisionContext): ImpactUnlinked[] {
  requireRole(context.actor, WORKER_ROLES, 'unlink impact between requests');
  const { causeRequestId: cause, effectRequestId: effect } = command.data;
  const problems = new FieldProblems();
  checkIds(command, problems);
  problems.throwIfAny(command.type);
  if (impactRelation(state, cause, effect) === null) {
    throw new NotFoundError(`cannot unlink ${cause} → ${effect}: there is no impact link from ${cause} to ${effect}`);
  }
  return [{ type: 'ImpactUnlinked', data: { causeRequestId: cause, effectRequestId: effect } }];
}
