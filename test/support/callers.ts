import { issueToken, type TokenRole } from '@desk/application';
import type { Actor } from '@desk/domain';
import * as roster from '@desk/domain/testing/roster';

/** Who an HTTP call is made as: its token's subject and role. */
export interface Caller {
  sub: string;
  role: TokenRole;
}

/** The caller an actor of the roster (libs/domain/src/testing/roster.ts) is: its token's subject is the actor's id. */
export function callerFor(actor: Actor): Caller {
  if (actor.role === 'system') throw new Error(`${actor.id} is the desk's own processes: no token acts as the system`);
  return { sub: actor.id, role: actor.role };
}

/** The Authorization header of a call made as `caller`, with a token signed by `secret`. */
export function bearer(secret: string, caller: Caller): string {
  return `Bearer ${issueToken(secret, caller.sub, caller.role)}`;
}

/** The roster's agent, or another agent by id. */
export const agent = (sub = roster.agent.id): Caller => ({ sub, role: 'agent' });
/** A requester: the subject is their customer id. */
export const requester = (sub: string): Caller => ({ sub, role: 'requester' });
export const manager = callerFor(roster.manager);
export const analyst = callerFor(roster.analyst);
export const operator = callerFor(roster.operator);
