import { ForbiddenError } from './errors';
import type { Actor, Role } from './event';

/** Roles that work requests: people at the desk, and trusted processes (quiet-period close, imports, SLA watch). */
export const WORKER_ROLES: readonly Role[] = ['agent', 'manager', 'system'];

/** Roles that manage departments, service standards and customers. */
export const ADMINISTRATOR_ROLES: readonly Role[] = ['manager', 'operator', 'system'];

/** "an agent", "a manager": for messages that name who was refused. */
export function withArticle(role: Role): string {
  return `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`;
}

export function requireRole(actor: Actor, allowed: readonly Role[], what: string): void {
  if (!allowed.includes(actor.role)) {
    throw new ForbiddenError(`${withArticle(actor.role)} may not ${what}: only ${allowed.join(', ')} may`);
  }
}

/**
 * Ids holding ':' are the desk's own processes' to create: an import names each request, customer, department and
 * agent it creates `<source>:<id>`, so nobody else can create one first and have the import append to it (a requester
 * reading the imported internal history through a request they opened with a future case's id), nor merge with one.
 */
export function refuseReservedId(actor: Actor, what: string, id: unknown): void {
  if (actor.role === 'system' || typeof id !== 'string' || !id.includes(':')) return;
  throw new ForbiddenError(
    `${withArticle(actor.role)} may not create ${what} ${id}: ids with ':' are reserved for the desk's own processes (an import's are <source>:<id>); only system may`,
  );
}
