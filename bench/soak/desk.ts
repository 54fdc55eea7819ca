import { call, seedDesk, REQUESTERS } from '../support/desk-setup';

/** The desk the soak works: its departments, customers and agents, and what its queues answer. */

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
/** The statuses a queue lists. */
export const OPEN = ['new', 'assigned', 'in_progress', 'on_hold'];
export const INTERNAL_DEPARTMENTS = ['it', 'hr', 'facilities'];
export const DEPARTMENTS = [...INTERNAL_DEPARTMENTS, 'shop'];
export const EXTERNAL_CUSTOMERS = 100;
const EXTERNAL_KINDS = ['individual', 'business', 'government', 'nonprofit'];
export const AGENTS = 40;
/** Streams the set-up loads on the command side: the desk's departments and customers, and the impact graph. */
export const SET_UP_STREAMS = INTERNAL_DEPARTMENTS.length + 1 + REQUESTERS + EXTERNAL_CUSTOMERS + 1 + AGENTS + 1;

export type QueueItem = { requestId: string; status: string; priority: string; assigneeId: string | null; followUpOf: string | null };
export type QueuePage = { items: QueueItem[]; nextCursor: string | null };

/** The departments, their service standards and the customers, over HTTP (bench/support/desk-setup.ts, then more). */
export async function setUpDesk(url: string): Promise<void> {
  // it (with an internal standard), shop and 200 employees of the shop, half of them customer-facing.
  await seedDesk(url);
  const standard = (audience: string, firstResponse: number[], resolution: number[]) => ({
    targets: PRIORITIES.map((priority, i) => ({
      priority,
      audience,
      firstResponseMinutes: firstResponse[i],
      resolutionMinutes: resolution[i],
    })),
  });
  for (const [id, name] of [
    ['hr', 'Human resources'],
    ['facilities', 'Facilities'],
  ]) {
    await call(url, 'POST', '/departments', { id, name });
    await call(url, 'PUT', `/departments/${id}/service-standard`, standard('internal', [30, 60, 240, 480], [480, 960, 2400, 4800]));
  }
  // The shop serves external customers, with short targets: the SLA watch has breaches to record during the soak.
  await call(url, 'PUT', '/departments/shop/service-standard', standard('external', [1, 2, 30, 120], [2, 4, 240, 1440]));
  // The soak's agents work in every department: its requests are assigned wherever transfers take them.
  for (let i = 0; i < AGENTS; i++) {
    await call(url, 'POST', '/agents', { id: `agent-${i}`, name: `Agent ${i}`, departmentIds: DEPARTMENTS, tier: i % 4 === 0 ? 'L2' : 'L1' });
  }
  for (let i = 0; i < EXTERNAL_CUSTOMERS; i++) {
    await call(url, 'POST', '/customers', {
      id: `cust-${i}`,
      name: `Customer ${i}`,
      type: 'external',
      kind: EXTERNAL_KINDS[i % EXTERNAL_KINDS.length],
    });
  }
}
