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
