import type { WhatIfAnswer } from '@desk/application';
import type { Blocker, ChainMember, ImpactChain, ImpactRequestView, QueueItem, Workload } from '@desk/read-models';
import { percent, shortTime, sparkline, type Output } from './output';

export function workloadsTable(out: Output, asOf: string, workloads: Workload[]): void {
  if (workloads.length === 0) {
    out.text(`no department had been registered by ${asOf}`);
    return;
  }
  // Each workload lists only the days it had activity: the bars share one axis, a day each, from the first to the last.
  const days = [...new Set(workloads.flatMap((workload) => workload.days.map((day) => day.day)))].sort();
  const perDay = (workload: Workload, figure: 'intake' | 'resolved') => {
    const byDay = new Map(workload.days.map((day) => [day.day, day[figure]]));
    return sparkline(days.map((day) => byDay.get(day) ?? 0));
  };
  out.text(
    out.bold(`${workloads.length} departments as of ${shortTime(asOf)}`) +
      (days.length > 0 ? out.dim(`  (intake and resolved: a bar a day, ${days[0]} to ${days[days.length - 1]})`) : ''),
  );
  out.table(
    ['department', 'open', 'unassigned', 'intake', 'resolved', 'resolution SLA int/ext', 'satisfaction', 'blocks ext.'],
    workloads.map((workload) => [
      workload.departmentId,
      workload.open,
      workload.unassigned,
      perDay(workload, 'intake'),
      perDay(workload, 'resolved'),
      `${percent(workload.sla.internal.resolution.compliance)} / ${percent(workload.sla.external.resolution.compliance)}`,
      mean(workload.satisfaction.internal.mean, workload.satisfaction.external.mean),
      workload.impact.blockedExternalRequests,
    ]),
  );
}

function mean(...means: (number | null)[]): string {
  const known = means.filter((value): value is number => value !== null);
  return known.length === 0 ? '-' : (known.reduce((a, b) => a + b, 0) / known.length).toFixed(1);
}

export function queueTable(out: Output, items: QueueItem[]): void {
  out.table(
    ['request', 'priority', 'status', 'audience', 'assignee', 'due', 'sla', 'blocked by', 'subject'],
    items.map((item) => [
      item.requestId,
      out.state(item.effectivePriority === item.priority ? item.priority : `${item.effectivePriority} (was ${item.priority})`),
      out.state(item.status),
      item.audience,
      item.assigneeId,
      shortTime(item.dueAt),
      out.state(item.sla.state),
      item.blockedBy.map((blocker) => blocker.requestId).join(', ') || null,
      truncate(item.subject, 48),
    ]),
  );
}

export function blockersTable(out: Output, items: Blocker[]): void {
  out.table(
    ['request', 'department', 'status', 'blocks', 'external requests', 'external customers', 'deadline', 'subject'],
    items.map((item) => [
      item.requestId,
      item.departmentId,
      out.state(item.status),
      item.blocksRequests,
      item.blocksExternalRequests,
      item.blocksExternalCustomers,
      shortTime(item.inheritedDeadline),
      truncate(item.subject, 48),
    ]),
  );
}

/** More pages: how to ask for the next one. */
export function nextPageHint(out: Output, nextCursor: string | null, shown: number): void {
  if (nextCursor) out.text(out.dim(`${shown} shown; the next page: --cursor ${nextCursor} (or --all)`));
  else out.text(out.dim(`${shown} in all`));
}

const describe = (request: ImpactRequestView) =>
  `${request.requestId} [${request.departmentId}, ${request.audience}${request.exposedToExternal && request.audience === 'internal' ? ', customer-facing' : ''}, ${request.status}, ${request.effectivePriority}] ${request.subject}`;

/**
 * The chain as a tree around the request: what it waits on above (its causes,
 * nearest first), what it holds up below (its effects), each edge named by
 * its relation.
 */
export function chainTree(out: Output, chain: ImpactChain): string {
  const lines: string[] = [];
  const branch = (members: ChainMember[], via: string, prefix: string, arrow: (relation: string) => string) => {
    const children = members.filter((member) => member.via === via);
    children.forEach((member, index) => {
      const last = index === children.length - 1;
      const relation = member.blocking ? out.state(`${member.relation}`) : member.relation;
      lines.push(`${prefix}${last ? '└─' : '├─'} ${arrow(relation)} ${describe(member)}`);
      branch(members, member.requestId, prefix + (last ? '   ' : '│  '), arrow);
    });
  };
  if (chain.causes.length > 0) {
    lines.push(out.dim('held up by'));
    branch(chain.causes, chain.request.requestId, '', (relation) => `${relation} ↓`);
  }
  lines.push(out.bold(describe(chain.request)));
  branch(chain.effects, chain.request.requestId, '', (relation) => `${relation} →`);
  lines.push(
    out.dim(
      `${chain.blocksRequests} requests blocked (${chain.blocksExposedRequests} customer-facing); ` +
        `${chain.externalRequestsAffected} external requests and ${chain.externalCustomersAffected} external customers affected` +
        (chain.inheritedDeadline ? `; inherited deadline ${shortTime(chain.inheritedDeadline)}` : ''),
    ),
  );
  return lines.join('\n');
}

export function whatIfTable(out: Output, answer: WhatIfAnswer): void {
  out.text(
    out.bold(`${answer.departmentId}: ${answer.requests} requests measured from ${shortTime(answer.from)} to ${shortTime(answer.to)}`) +
      out.dim(` (as known at ${shortTime(answer.asOf)})`),
  );
  const rows: (string | number | null)[][] = [];
  for (const audience of ['internal', 'external'] as const) {
    for (const target of ['firstResponse', 'resolution'] as const) {
      const now = answer.inForce[audience][target];
      const then = answer.whatIf[audience][target];
      if (now.met + now.breached + now.pending + then.met + then.breached + then.pending === 0) continue;
      rows.push([
        audience,
        target === 'firstResponse' ? 'first response' : 'resolution',
        `${now.met}/${now.breached}/${now.pending}`,
        percent(now.compliance),
        `${then.met}/${then.breached}/${then.pending}`,
        percent(then.compliance),
        then.medianMinutesToSpare,
      ]);
    }
  }
  out.table(
    [
      'audience',
      'target',
      'in force met/breached/pending',
      'compliance',
      'what-if met/breached/pending',
      'compliance',
      'median spare (min)',
    ],
    rows,
  );
}

export interface AdminProjection {
  name: string;
  state: string;
  /** null: a projection run elsewhere whose checkpoint the desk could not read (its read models do not answer). */
  checkpoint: string | null;
  /** null while the event store does not answer. */
  lag: string | null;
  rate?: number;
  restarts?: number;
  lastError?: string | null;
  fault?: { position: string; type: string; error: string } | null;
  rebuild?: { state: string; checkpoint: string; rate: number; startedAt: string } | null;
  /** How the last rebuild in the desk's process ended. */
  lastRebuild?: {
    outcome: 'swapped' | 'faulted' | 'stopped' | 'failed';
    startedAt: string;
    checkpoint: string;
    error: string | null;
  } | null;
}

export function projectionsTable(out: Output, head: string | null, projections: AdminProjection[], unreachable: string[] = []): void {
  out.text(out.bold(`head of the log: ${head ?? 'unknown'}`));
  for (const store of unreachable)
    out.text(out.state(`failed: the ${store === 'eventStore' ? 'event store' : 'read-model store'} does not answer the desk`));
  out.table(
    ['projection', 'state', 'checkpoint', 'lag', 'events/s', 'rebuild', 'last error'],
    projections.map((projection) => [
      projection.name,
      out.state(projection.state),
      projection.checkpoint,
      projection.lag,
      projection.rate === undefined ? null : Math.round(projection.rate),
      projection.rebuild
        ? `${out.state(projection.rebuild.state)} ${head === null ? '?' : share(projection.rebuild.checkpoint, head)} at ${Math.round(projection.rebuild.rate)}/s`
        : null,
      projection.fault
        ? `${projection.fault.type} at ${projection.fault.position}: ${projection.fault.error}`
        : (projection.lastError ?? null),
    ]),
  );
}

export function share(checkpoint: string, head: string): string {
  const total = Number(head);
  return total === 0 ? '100%' : `${Math.min(100, Math.floor((Number(checkpoint) / total) * 100))}%`;
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
