import { DateTime } from 'luxon';
import { sql } from 'kysely';
import { AUDIENCES, PRIORITIES, REQUEST_STATUSES, type Audience } from '@desk/domain';
import type { ReadModelDb } from '../store/read-model-store';

export interface DurationFigures {
  count: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

export interface TargetCompliance {
  met: number;
  breached: number;
  /** met / (met + breached); null before any outcome. */
  compliance: number | null;
}

export interface Workload {
  departmentId: string;
  name: string | null;
  asOf: string;
  open: number;
  byStatus: Record<string, number>;
  /** Open requests only. */
  byPriority: Record<string, number>;
  byAudience: Record<string, number>;
  unassigned: number;
  agents: { agentId: string; open: number; byStatus: Record<string, number> }[];
  days: { day: string; intake: number; resolved: number }[];
  /** Business minutes (the SLA's measure, pauses excluded) and elapsed wall-clock minutes. */
  times: {
    firstResponse: { business: DurationFigures; elapsed: DurationFigures };
    resolution: { business: DurationFigures; elapsed: DurationFigures };
  };
  sla: Record<Audience, { firstResponse: TargetCompliance; resolution: TargetCompliance }>;
  satisfaction: {
    internal: { ratings: number; mean: number | null };
    external: { ratings: number; mean: number | null };
    /** Ratings of 1 or 2, each followed up by a request in this department's queue. */
    poorRatings: number;
    followUps: { awaiting: number; open: number; done: number };
  };
  /** What the department's open internal work blocks downstream, distinct. */
  impact: { blockingRequests: number; blockedExternalRequests: number; blockedExternalCustomers: number };
}

export interface WorkloadRange {
  /** Local dates 'YYYY-MM-DD', inclusive; default the 30 days up to today (UTC). */
  from?: string;
  to?: string;
}

const MAX_DAYS = 366;

export class InvalidRangeError extends Error {}

/** Whether the read models know the department (registered, as far as they have come). */
export async function departmentKnown(db: ReadModelDb, departmentId: string): Promise<boolean> {
  return (
    (await db.selectFrom('departments').select('department_id').where('department_id', '=', departmentId).executeTakeFirst()) !== undefined
  );
}

/** The figures of one department: counts, agents' load, daily flow, times, SLA compliance, satisfaction and impact. */
export async function departmentWorkload(db: ReadModelDb, departmentId: string, range: WorkloadRange, now: Date): Promise<Workload> {
  const { from, to } = dayRange(range, now);
  const inDepartment = db.selectFrom('request_summaries').where('department_id', '=', departmentId);

  const [department, statuses, openSplit, agentRows, intake, resolved, durations, compliance, ratings, followUps, impact] =
    await Promise.all([
      db.selectFrom('departments').select('name').where('department_id', '=', departmentId).executeTakeFirst(),
      inDepartment
        .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('status')
        .execute(),
      inDepartment
        .select(['priority', 'audience', (eb) => eb.fn.countAll<string>().as('n')])
        .where('is_open', '=', 1)
        .groupBy(['priority', 'audience'])
        .execute(),
      inDepartment
        .select(['assignee_id', 'status', (eb) => eb.fn.countAll<string>().as('n')])
        .where('is_open', '=', 1)
        .groupBy(['assignee_id', 'status'])
        .execute(),
      inDepartment
        .select(['opened_day as day', (eb) => eb.fn.countAll<string>().as('n')])
        .where('opened_day', '>=', from)
        .where('opened_day', '<=', to)
        .groupBy('opened_day')
        .execute(),
      inDepartment
        .select(['resolved_day as day', (eb) => eb.fn.countAll<string>().as('n')])
        .where('resolved_day', '>=', from)
        .where('resolved_day', '<=', to)
        .groupBy('resolved_day')
        .execute(),
      inDepartment
        .select([
          'first_response_business_minutes',
          'first_response_elapsed_minutes',
          'resolution_business_minutes',
          'resolution_elapsed_minutes',
        ])
        .where((eb) => eb.or([eb('first_responded_at', 'is not', null), eb('resolved_at', 'is not', null)]))
        .execute(),
      inDepartment
        .select([
          'audience',
          sql<string>`sum(case when first_response_within_target = 1 and first_response_breached = 0 then 1 else 0 end)`.as('fr_met'),
          sql<string>`sum(case when first_response_breached = 1 or first_response_within_target = 0 then 1 else 0 end)`.as('fr_breached'),
          sql<string>`sum(case when resolution_within_target = 1 and resolution_breached = 0 then 1 else 0 end)`.as('res_met'),
          sql<string>`sum(case when resolution_breached = 1 or resolution_within_target = 0 then 1 else 0 end)`.as('res_breached'),
        ])
        .groupBy('audience')
        .execute(),
      inDepartment
        .select([
          'audience',
          sql<string>`count(satisfaction_score)`.as('ratings'),
          sql<string>`coalesce(sum(satisfaction_score), 0)`.as('total'),
          sql<string>`sum(case when satisfaction_score <= 2 then 1 else 0 end)`.as('poor'),
          sql<string>`sum(case when satisfaction_score <= 2 and follow_up_request_id is null then 1 else 0 end)`.as('awaiting'),
        ])
        .groupBy('audience')
        .execute(),
      inDepartment
        .select([
          sql<string>`sum(case when is_open = 1 then 1 else 0 end)`.as('open'),
          sql<string>`sum(case when is_open = 0 then 1 else 0 end)`.as('done'),
        ])
        .where('follow_up_of', 'is not', null)
        .executeTakeFirst(),
      blockedDownstream(db, departmentId),
    ]);

  const byStatus = zeros(REQUEST_STATUSES);
  for (const row of statuses) byStatus[row.status] = Number(row.n);
  const byPriority = zeros(PRIORITIES);
  const byAudience = zeros(AUDIENCES);
  for (const row of openSplit) {
    byPriority[row.priority] += Number(row.n);
    byAudience[row.audience] += Number(row.n);
  }
  const agents = new Map<string, { agentId: string; open: number; byStatus: Record<string, number> }>();
  let unassigned = 0;
  for (const row of agentRows) {
    if (row.assignee_id === null) {
      unassigned += Number(row.n);
      continue;
    }
    const agent = agents.get(row.assignee_id) ?? { agentId: row.assignee_id, open: 0, byStatus: {} };
    agent.open += Number(row.n);
    agent.byStatus[row.status] = Number(row.n);
    agents.set(row.assignee_id, agent);
  }
  const days = new Map<string, { day: string; intake: number; resolved: number }>();
  const dayOf = (day: string) => days.get(day) ?? days.set(day, { day, intake: 0, resolved: 0 }).get(day)!;
  for (const row of intake) if (row.day) dayOf(row.day).intake = Number(row.n);
  for (const row of resolved) if (row.day) dayOf(row.day).resolved = Number(row.n);

  const sla = Object.fromEntries(
    AUDIENCES.map((audience) => {
      const row = compliance.find((entry) => entry.audience === audience);
      return [
        audience,
        {
          firstResponse: complianceOf(Number(row?.fr_met ?? 0), Number(row?.fr_breached ?? 0)),
          resolution: complianceOf(Number(row?.res_met ?? 0), Number(row?.res_breached ?? 0)),
        },
      ];
    }),
  ) as Workload['sla'];
  const satisfactionOf = (audience: Audience) => {
    const row = ratings.find((entry) => entry.audience === audience);
    const count = Number(row?.ratings ?? 0);
    return { ratings: count, mean: count === 0 ? null : round(Number(row?.total ?? 0) / count, 2) };
  };
  const durationsOf = (pick: (row: (typeof durations)[number]) => number | null) =>
    figures(durations.map(pick).filter((value): value is number => value !== null));

  return {
    departmentId,
    name: department?.name ?? null,
    asOf: now.toISOString(),
    open: Object.values(byAudience).reduce((sum, n) => sum + n, 0),
    byStatus,
    byPriority,
    byAudience,
    unassigned,
    agents: [...agents.values()].sort((a, b) => b.open - a.open || a.agentId.localeCompare(b.agentId)),
    days: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
    times: {
      firstResponse: {
        business: durationsOf((row) => row.first_response_business_minutes),
        elapsed: durationsOf((row) => row.first_response_elapsed_minutes),
      },
      resolution: {
        business: durationsOf((row) => row.resolution_business_minutes),
        elapsed: durationsOf((row) => row.resolution_elapsed_minutes),
      },
    },
    sla,
    satisfaction: {
      internal: satisfactionOf('internal'),
      external: satisfactionOf('external'),
      poorRatings: ratings.reduce((sum, row) => sum + Number(row.poor ?? 0), 0),
      followUps: {
        awaiting: ratings.reduce((sum, row) => sum + Number(row.awaiting ?? 0), 0),
        open: Number(followUps?.open ?? 0),
        done: Number(followUps?.done ?? 0),
      },
    },
    impact,
  };
}

/** Every department's workload, in name order: departments registered and any that only appear on requests. */
export async function allWorkloads(db: ReadModelDb, range: WorkloadRange, now: Date): Promise<Workload[]> {
  const registered = await db.selectFrom('departments').select('department_id').execute();
  const seen = await db.selectFrom('request_summaries').select('department_id').distinct().execute();
  const ids = [...new Set([...registered, ...seen].map((row) => row.department_id))].sort();
  const workloads: Workload[] = [];
  for (const id of ids) workloads.push(await departmentWorkload(db, id, range, now));
  return workloads.sort((a, b) => (a.name ?? a.departmentId).localeCompare(b.name ?? b.departmentId));
}

/**
 * Distinct open requests downstream of the department's open internal work
 * through links that hold (both ends open), and the external ones among them.
 *
 * In the recursive step, `+e.is_open` keeps SQLite from driving the join by the
 * index on is_open (every open request, for each request downstream: seconds on
 * a desk with a thousand open requests); it goes from the request reached, by its
 * links, to their effects' primary keys. PostgreSQL plans it as before.
 */
export function blockedDownstreamQuery(departmentId: string) {
  return sql<{ blocking: string | number; external_requests: string | number; external_customers: string | number }>`
    with recursive downstream(request_id) as (
      select l.effect_id
        from impact_links l
        join impact_nodes c on c.request_id = l.cause_id
        join impact_nodes e on e.request_id = l.effect_id
       where c.department_id = ${departmentId} and c.audience = 'internal' and c.is_open = 1 and e.is_open = 1
      union
      select l.effect_id
        from impact_links l
        join downstream d on l.cause_id = d.request_id
        join impact_nodes e on e.request_id = l.effect_id
       where +e.is_open = 1
    )
    select
      (select count(*) from impact_nodes c
        where c.department_id = ${departmentId} and c.audience = 'internal' and c.is_open = 1 and c.blocks_requests > 0) as blocking,
      count(distinct case when n.audience = 'external' then n.request_id end) as external_requests,
      count(distinct case when n.audience = 'external' then n.requester_id end) as external_customers
    from downstream d join impact_nodes n on n.request_id = d.request_id
  `;
}

async function blockedDownstream(db: ReadModelDb, departmentId: string): Promise<Workload['impact']> {
  const result = await blockedDownstreamQuery(departmentId).execute(db);
  const row = result.rows[0];
  return {
    blockingRequests: Number(row?.blocking ?? 0),
    blockedExternalRequests: Number(row?.external_requests ?? 0),
    blockedExternalCustomers: Number(row?.external_customers ?? 0),
  };
}

function dayRange(range: WorkloadRange, now: Date): { from: string; to: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  for (const [name, value] of Object.entries(range)) {
    if (value !== undefined && (!day.test(value) || !DateTime.fromISO(value, { zone: 'utc' }).isValid)) {
      throw new InvalidRangeError(`${name}: expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
    }
  }
  const to =
    range.to ??
    (range.from
      ? DateTime.fromISO(range.from, { zone: 'utc' }).plus({ days: 29 })
      : DateTime.fromJSDate(now, { zone: 'utc' })
    ).toISODate()!;
  const from = range.from ?? DateTime.fromISO(to, { zone: 'utc' }).minus({ days: 29 }).toISODate()!;
  if (from > to) throw new InvalidRangeError(`from (${from}) is after to (${to})`);
  const span = DateTime.fromISO(to, { zone: 'utc' }).diff(DateTime.fromISO(from, { zone: 'utc' }), 'days').days + 1;
  if (span > MAX_DAYS) throw new InvalidRangeError(`from..to spans ${span} days; at most ${MAX_DAYS}`);
  return { from, to };
}

function figures(values: number[]): DurationFigures {
  if (values.length === 0) return { count: 0, medianMinutes: null, p90Minutes: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, medianMinutes: percentile(sorted, 0.5), p90Minutes: percentile(sorted, 0.9) };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)];
}

function complianceOf(met: number, breached: number): TargetCompliance {
  return { met, breached, compliance: met + breached === 0 ? null : round(met / (met + breached), 4) };
}

function zeros(keys: readonly string[]): Record<string, number> {
  return Object.fromEntries(keys.map((key) => [key, 0]));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
