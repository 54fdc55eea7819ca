import { PRIORITIES, type Priority } from '@desk/domain';

/** critical 0 … low 3: smaller ranks first, so queues sort ascending. */
export function priorityRank(priority: Priority): number {
  const rank = PRIORITIES.indexOf(priority);
  return rank < 0 ? PRIORITIES.length : rank;
}

export function priorityOfRank(rank: number): Priority {
  return PRIORITIES[Math.max(0, Math.min(PRIORITIES.length - 1, rank))];
}
