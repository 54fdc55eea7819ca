import { randomUUID } from 'node:crypto';
import type { Actor } from '@desk/domain';
import type { CommandEnvelope } from '../commands/command-handler';

/**
 * Envelope of a command a process issues on its own. When an event caused
 * it, that event is the causation (the command id becomes the events'
 * causation id) and its correlation carries on.
 */
export function processEnvelope(actor: Actor, cause: { id: string; correlationId: string } | null): CommandEnvelope {
  return { commandId: cause?.id ?? randomUUID(), correlationId: cause?.correlationId ?? randomUUID(), actor };
}
