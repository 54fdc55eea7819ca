import { randomUUID } from 'node:crypto';
import type { EventToAppend } from '@desk/event-store';

/**
 * A RequestOpened without its data, written past the domain, as a bad import could leave one: every read model
 * that reads it faults on it. Append it to `request-broken`.
 */
export function brokenRequestOpened(): EventToAppend {
  return {
    id: randomUUID(),
    type: 'RequestOpened',
    data: { requestId: 'broken' },
    metadata: { correlationId: 'c-poison', causationId: 'x', actor: 'import', occurredAt: '2026-03-02T09:00:00.000Z', schemaVersion: 1 },
  };
}
