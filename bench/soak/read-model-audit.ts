import type { Case } from './cases';
import { DEPARTMENTS, OPEN, type QueueItem, type QueuePage } from './desk';
import type { Disagreements } from './disagreements';
import { send, type Tally } from './http';
import type { FollowUp } from './log-audit';

export interface ReadModelComparison {
  /** Requests compared with their queue and counts. */
  compared: number;
  /** Departments whose status counts were not compared, and why. */
  notCompared: string[];
}

/**
 * The read models agree with what was sent: every department's queue, item by item, and its counts by status.
 * What differs is added to `disagreements`.
 */
export async function compareReadModels(
  url: string,
  manager: string,
  monitoring: Tally,
  cases: Case[],
  followUps: FollowUp[],
  disagreements: Disagreements,
): Promise<ReadModelComparison> {
  const uncertainIds = new Set(cases.filter((c) => c.uncertain).map((c) => c.id));
  let compared = 0;
  const notCompared: string[] = [];
  for (const department of DEPARTMENTS) {
    const items = new Map<string, QueueItem>();
    for (let cursor: string | null = ''; cursor !== null;) {
      const answer = await send(
        monitoring,
        url,
        '/queues/:departmentId (final)',
        'GET',
        `/queues/${department}?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        manager,
      );
      if (!answer) break;
      const page = answer.body as QueuePage;
      for (const item of page.items) items.set(item.requestId, item);
      cursor = page.nextCursor;
    }
    const expected = cases.filter((c) => !c.uncertain && c.status !== 'absent' && c.departmentId === department);
    const counts = new Map<string, number>();
    for (const c of expected) {
      counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
      const item = items.get(c.id);
      const open = OPEN.includes(c.status);
      if (
        open !== Boolean(item) ||
        (item && (item.status !== c.status || item.assigneeId !== c.assigneeId || item.priority !== c.priority))
      ) {
        disagreements.add(
          `queue ${department}: ${c.id} sent ${c.status}/${c.assigneeId}/${c.priority}, read ${item ? `${item.status}/${item.assigneeId}/${item.priority}` : 'absent'}`,
        );
      }
      compared++;
    }
    const followUpsHere = followUps.filter((f) => f.departmentId === department);
    const unexplained = [...items.values()].filter(
      (i) => !i.followUpOf && !uncertainIds.has(i.requestId) && !expected.some((c) => c.id === i.requestId),
    );
    if (unexplained.length > 0)
      disagreements.add(`queue ${department}: ${unexplained.length} requests the load did not open, e.g. ${unexplained[0].requestId}`);
    if ([...items.values()].filter((i) => i.followUpOf).length !== followUpsHere.length) {
      disagreements.add(
        `queue ${department}: ${[...items.values()].filter((i) => i.followUpOf).length} follow-ups in the queue, ${followUpsHere.length} opened`,
      );
    }
    counts.set('new', (counts.get('new') ?? 0) + followUpsHere.length);
    const workload = await send(
      monitoring,
      url,
      '/departments/:id/workload (final)',
      'GET',
      `/departments/${department}/workload`,
      manager,
    );
    const byStatus = (workload?.body as { byStatus?: Record<string, number> } | undefined)?.byStatus ?? {};
    // A request whose command failed may have moved or not: counts are compared only where none did.
    const uncertainHere = cases.filter((c) => c.uncertain && c.departmentId === department).length;
    if (uncertainHere > 0) notCompared.push(`${department} (${uncertainHere} requests with a failed command)`);
    else
      for (const status of new Set([...counts.keys(), ...Object.keys(byStatus)])) {
        if ((byStatus[status] ?? 0) !== (counts.get(status) ?? 0)) {
          disagreements.add(`workload ${department}: ${byStatus[status] ?? 0} ${status}, ${counts.get(status) ?? 0} sent`);
        }
      }
  }
  return { compared, notCompared };
}
