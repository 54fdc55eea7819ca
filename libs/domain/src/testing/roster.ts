import type { Actor } from '../shared/event';

/**
 * The people the specs act as, in one place: the domain's given/when/then specs (through fixtures.ts), the event
 * histories the projection specs build, and the API specs' tokens, whose subject is the actor's id
 * (test/api/support/test-desk.ts). One name means one person everywhere, whichever layer a spec drives.
 */

export const agent: Actor = { id: 'agent-ann', role: 'agent' };
export const otherAgent: Actor = { id: 'agent-bob', role: 'agent' };
export const manager: Actor = { id: 'mgr-mia', role: 'manager' };
export const system: Actor = { id: 'system:sla-watch', role: 'system' };
export const analyst: Actor = { id: 'ana', role: 'analyst' };
export const operator: Actor = { id: 'ops', role: 'operator' };
/** Requesters: a token subject is the customer id. */
export const employee: Actor = { id: 'emp-eva', role: 'requester' };
export const receptionist: Actor = { id: 'rec-rita', role: 'requester' };
export const client: Actor = { id: 'ext-carl', role: 'requester' };
