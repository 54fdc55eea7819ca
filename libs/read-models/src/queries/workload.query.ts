import { DateTime } from 'luxon';
import { sql } from 'kysely';
import { AUDIENCES, PRIORITIES, REQUEST_STATUSES, type Audience } from '@desk/domain';
import type { ReadModelQueries } from '../store/read-model-store';

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

/** A from..to the workload cannot answer, naming the query parameter at fault (from when it is the two together). */
export class InvalidRangeError extends Error {
  constructor(
    readonly field: 'from' | 'to',
    message: string,
  ) {
    super(message);
  }
}

/** Whether the read models know the department (registered, as far as they have come; with asOf, registered by then). */
export async function departmentKnown(db: ReadModelQueries, departmentId: string, asOf: Date | null = null): Promise<boolean> {
  let query = db.selectFrom('departments').select('department_id').where('department_id', '=', departmentId);
  if (asOf) query = query.where('registered_at', '<=', asOf.toISOString());
  return (await query.executeTakeFirst()) !== undefined;
}

/**
 * The figures of one department: counts, agents' load, daily flow, times, SLA compliance, satisfaction and impact.
 *
 * Every figure reads either the department's open requests (bounded by its open work) or its workload facts of the
 * days from..to up to `now` (bounded by the range): none reads the rest of its history, so a live workload costs the
 * same after a month or ten years. `now` is the upper bound of the facts read, so the figures as of a time T are the
 * facts up to T (and the open requests as they stood at T).
 */
export async function departmentWorkload(
  db: ReadModelQueries,
  departmentId: string,
  range: WorkloadRange,
  now: Date,
  impactOf: WorkloadImpact = liveWorkloadImpact(db),
): Promise<Workload> {
  const days = dayRange(range, now);
  const [department, tallies, impact] = await Promise.all([
    db.selectFrom('departments').select('name').where('department_id', '=', departmentId).executeTakeFirst(),
    tallyFigures(db, days, now, departmentId),
    impactOf.blockedDownstream(departmentId),
  ]);
  return {
    departmentId,
    name: department?.name ?? null,
    asOf: now.toISOString(),
    ...(tallies.get(departmentId) ?? new FiguresTally()).figures(),
    impact,
  };
}

/**
 * Every department's workload, in name order: the departments registered (with asOf, by then) and any other that has
 * open requests or facts in the range. One pass over the open requests and the range's facts, grouped by department; only the impact
 * chain is asked per department (each bounded by that department's open work).
 */
export async function allWorkloads(
  db: ReadModelQueries,
  range: WorkloadRange,
  now: Date,
  asOf: Date | null = null,
  impactOf: WorkloadImpact = liveWorkloadImpact(db),
): Promise<Workload[]> {
  const days = dayRange(range, now);
  const [registered, tallies, blocking] = await Promise.all([
    db
      .selectFrom('departments')
      .select(['department_id', 'name'])
      .$if(asOf !== null, (query) => query.where('registered_at', '<=', asOf!.toISOString()))
      .execute(),
    tallyFigures(db, days, now),
    impactOf.departmentsThatMayBlock(),
  ]);
  const names = new Map(registered.map((row) => [row.department_id, row.name]));
  const ids = [...new Set([...names.keys(), ...tallies.keys()])].sort();
  const workloads: Workload[] = [];
  for (const id of ids) {
    workloads.push({
      departmentId: id,
      name: names.get(id) ?? null,
      asOf: now.toISOString(),
      ...(tallies.get(id) ?? new FiguresTally()).figures(),
      impact: blocking.has(id) ? await impactOf.blockedDownstream(id) : NO_IMPACT,
    });
  }
  return workloads.sort((a, b) => (a.name ?? a.departmentId).localeCompare(b.name ?? b.departmentId));
}

/**
 * Where a workload's impact figure comes from: the live impact chain (below), or the chain as it stood at a time
 * (impact-as-of.query.ts: queries written for the history tables, where these over the chain's names as of a time
 * would read every request valid then).
 */
export interface WorkloadImpact {
  /** Departments whose figure can be other than zero; every other one's is zero. */
  departmentsThatMayBlock(): Promise<Set<string>>;
  blockedDownstream(departmentId: string): Promise<Workload['impact']>;
}

export function liveWorkloadImpact(db: ReadModelQueries): WorkloadImpact {
  return {
    departmentsThatMayBlock: () => departmentsThatMayBlock(db),
    blockedDownstream: (departmentId) => blockedDownstream(db, departmentId),
  };
}

const NO_IMPACT: Workload['impact'] = { blockingRequests: 0, blockedExternalRequests: 0, blockedExternalCustomers: 0 };

/**
 * The departments whose impact figures can be other than zero: those with an open internal request that blocks
 * something or is the cause of a link. blockedDownstream starts from exactly those requests (its recursion from the
 * links of open internal causes, its count from those that block), so for any other department it finds nothing;
 * asking it only for these spares a recursive query per department that has none to walk.
 */
async function departmentsThatMayBlock(db: ReadModelQueries): Promise<Set<string>> {
  const rows = await db
    .selectFrom('impact_nodes as c')
    .select('c.department_id')
    .distinct()
    .where('c.is_open', '=', 1)
    .where('c.audience', '=', 'internal')
    .where(({ or, eb, exists, selectFrom }) =>
      or([
        eb('c.blocks_requests', '>', 0),
        exists(selectFrom('impact_links as l').select('l.cause_id').whereRef('l.cause_id', '=', 'c.request_id')),
      ]),
    )
    .execute();
  return new Set(rows.map((row) => row.department_id));
}

/** The desk's figures: every department's together (a request counts once, where it was when each fact happened). */
export type DeskWorkload = Omit<Workload, 'departmentId' | 'name' | 'impact'>;

/** The same figures as a department's over all departments together; percentiles over all their samples. */
export async function deskWorkload(db: ReadModelQueries, range: WorkloadRange, now: Date): Promise<DeskWorkload> {
  const tallies = await tallyFigures(db, dayRange(range, now), now, undefined, () => DESK);
  return { asOf: now.toISOString(), ...(tallies.get(DESK) ?? new FiguresTally()).figures() };
}

const DESK = '';

type DayBounds = { from: string; to: string };

/**
 * The figures of one department (`departmentId`) or of all, each tallied under the key `keyOf` gives its
 * department (itself, or one key for the whole desk): open requests by status, priority, audience, assignee and
 * whether a follow-up; the facts of the days from..to that happened up to `now`; the samples of the times; the
 * poor ratings of the range not followed up by `now`.
 */
async function tallyFigures(
  db: ReadModelQueries,
  { from, to }: DayBounds,
  now: Date,
  departmentId?: string,
  keyOf: (departmentId: string) => string = (id) => id,
): Promise<Map<string, FiguresTally>> {
  const until = now.toISOString();
  const followUp = sql<number>`case when follow_up_of is null then 0 else 1 end`;
  const facts = db
    .selectFrom('workload_facts as f')
    .where('f.day', '>=', from)
    .where('f.day', '<=', to)
    .where('f.at', '<=', until)
    .$if(departmentId !== undefined, (query) => query.where('f.department_id', '=', departmentId!));
  const [open, counted, samples, awaiting] = await Promise.all([
    db
      .selectFrom('request_summaries')
      .select([
        'department_id',
        'status',
        'priority',
        'audience',
        'assignee_id',
        followUp.as('follow_up'),
        (eb) => eb.fn.countAll<string>().as('n'),
      ])
      .where('is_open', '=', 1)
      .$if(departmentId !== undefined, (query) => query.where('department_id', '=', departmentId!))
      .groupBy(['department_id', 'status', 'priority', 'audience', 'assignee_id', followUp])
      .execute(),
    facts
      .select([
        'f.department_id',
        'f.day',
        'f.kind',
        'f.audience',
        'f.outcome',
        'f.target',
        (eb) => eb.fn.countAll<string>().as('n'),
        sql<string>`coalesce(sum(f.score), 0)`.as('total'),
        sql<string>`sum(case when f.score <= 2 then 1 else 0 end)`.as('poor'),
        sql<string>`sum(f.follow_up)`.as('follow_ups'),
      ])
      .where('f.kind', 'in', ['opened', 'resolved', 'closed', 'cancelled', 'sla', 'rating'])
      .groupBy(['f.department_id', 'f.day', 'f.kind', 'f.audience', 'f.outcome', 'f.target'])
      .execute(),
    facts
      .select(['f.department_id', 'f.kind', 'f.business_minutes', 'f.elapsed_minutes'])
      .where('f.kind', 'in', ['first_response', 'resolved'])
      .execute(),
    facts
      .select(['f.department_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where('f.kind', '=', 'rating')
      .where('f.score', '<=', 2)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('workload_facts as u')
              .select('u.request_id')
              .whereRef('u.request_id', '=', 'f.request_id')
              .where('u.kind', '=', 'followed_up')
              .where('u.at', '<=', until),
          ),
        ),
      )
      .groupBy('f.department_id')
      .execute(),
  ]);

  const tallies = new Map<string, FiguresTally>();
  const tallyOf = (id: string) => {
    const key = keyOf(id);
    return tallies.get(key) ?? tallies.set(key, new FiguresTally()).get(key)!;
  };
  for (const row of open) tallyOf(row.department_id).addOpen(row, Number(row.n));
  for (const row of counted) tallyOf(row.department_id).addFacts(row);
  for (const row of samples) tallyOf(row.department_id).addSample(row);
  for (const row of awaiting) tallyOf(row.department_id).awaiting += Number(row.n);
  return tallies;
}

type Figures = Omit<Workload, 'departmentId' | 'name' | 'asOf' | 'impact'>;

/** What one department's (or the desk's) rows add up to, then its figures. */
class FiguresTally {
  private readonly byStatus = zeros(REQUEST_STATUSES);
  private readonly byPriority = zeros(PRIORITIES);
  private readonly byAudience = zeros(AUDIENCES);
  private unassigned = 0;
  private readonly agents = new Map<string, { agentId: string; open: number; byStatus: Record<string, number> }>();
  private readonly days = new Map<string, { day: string; intake: number; resolved: number }>();
  private readonly samples = {
    firstResponse: { business: [] as number[], elapsed: [] as number[] },
    resolution: { business: [] as number[], elapsed: [] as number[] },
  };
  private readonly outcomes = Object.fromEntries(
    AUDIENCES.map((audience) => [audience, { first_response: { met: 0, breached: 0 }, resolution: { met: 0, breached: 0 } }]),
  ) as Record<Audience, Record<'first_response' | 'resolution', { met: number; breached: number }>>;
  private readonly ratings = Object.fromEntries(AUDIENCES.map((audience) => [audience, { ratings: 0, total: 0 }])) as Record<
    Audience,
    { ratings: number; total: number }
  >;
  private poorRatings = 0;
  private followUpsOpen = 0;
  private followUpsDone = 0;
  awaiting = 0;

  addOpen(
    row: { status: string; priority: string; audience: string; assignee_id: string | null; follow_up: number | string },
    n: number,
  ): void {
    this.byStatus[row.status] += n;
    this.byPriority[row.priority] += n;
    this.byAudience[row.audience] += n;
    if (Number(row.follow_up) === 1) this.followUpsOpen += n;
    if (row.assignee_id === null) {
      this.unassigned += n;
      return;
    }
    const agent = this.agents.get(row.assignee_id) ?? { agentId: row.assignee_id, open: 0, byStatus: {} };
    agent.open += n;
    agent.byStatus[row.status] = (agent.byStatus[row.status] ?? 0) + n;
    this.agents.set(row.assignee_id, agent);
  }

  addFacts(row: {
    day: string;
    kind: string;
    audience: string;
    outcome: string | null;
    target: string | null;
    n: string | number;
    total: string | number;
    poor: string | number;
    follow_ups: string | number;
  }): void {
    const n = Number(row.n);
    const day = () => this.days.get(row.day) ?? this.days.set(row.day, { day: row.day, intake: 0, resolved: 0 }).get(row.day)!;
    switch (row.kind) {
      case 'opened':
        day().intake += n;
        return;
      case 'resolved':
        day().resolved += n;
        this.byStatus.resolved += n;
        this.followUpsDone += Number(row.follow_ups);
        return;
      case 'closed':
        this.byStatus.closed += n;
        return;
      case 'cancelled':
        this.byStatus.cancelled += n;
        this.followUpsDone += Number(row.follow_ups);
        return;
      case 'sla': {
        const target = this.outcomes[row.audience as Audience][row.target as 'first_response' | 'resolution'];
        if (row.outcome === 'met') target.met += n;
        else target.breached += n;
        return;
      }
      case 'rating':
        this.ratings[row.audience as Audience].ratings += n;
        this.ratings[row.audience as Audience].total += Number(row.total);
        this.poorRatings += Number(row.poor);
        return;
    }
  }

  addSample(row: { kind: string; business_minutes: number | null; elapsed_minutes: number | null }): void {
    const samples = row.kind === 'first_response' ? this.samples.firstResponse : this.samples.resolution;
    if (row.business_minutes !== null) samples.business.push(Number(row.business_minutes));
    if (row.elapsed_minutes !== null) samples.elapsed.push(Number(row.elapsed_minutes));
  }

  figures(): Figures {
    const satisfactionOf = ({ ratings, total }: { ratings: number; total: number }) => ({
      ratings,
      mean: ratings === 0 ? null : round(total / ratings, 2),
    });
    return {
      open: Object.values(this.byAudience).reduce((sum, n) => sum + n, 0),
      byStatus: this.byStatus,
      byPriority: this.byPriority,
      byAudience: this.byAudience,
      unassigned: this.unassigned,
      agents: [...this.agents.values()].sort((a, b) => b.open - a.open || a.agentId.localeCompare(b.agentId)),
      days: [...this.days.values()].sort((a, b) => a.day.localeCompare(b.day)),
      times: {
        firstResponse: { business: figures(this.samples.firstResponse.business), elapsed: figures(this.samples.firstResponse.elapsed) },
        resolution: { business: figures(this.samples.resolution.business), elapsed: figures(this.samples.resolution.elapsed) },
      },
      sla: Object.fromEntries(
        AUDIENCES.map((audience) => {
          const { first_response, resolution } = this.outcomes[audience];
          return [
            audience,
            {
              firstResponse: complianceOf(first_response.met, first_response.breached),
              resolution: complianceOf(resolution.met, resolution.breached),
            },
          ];
        }),
      ) as Workload['sla'],
      satisfaction: {
        internal: satisfactionOf(this.ratings.internal),
        external: satisfactionOf(this.ratings.external),
        poorRatings: this.poorRatings,
        followUps: { awaiting: this.awaiting, open: this.followUpsOpen, done: this.followUpsDone },
      },
    };
  }
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
interface BlockedDownstreamRow {
  blocking: string | number;
  external_requests: string | number;
  external_customers: string | number;
}

export function blockedDownstreamQuery(departmentId: string) {
  return sql<BlockedDownstreamRow>`
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

async function blockedDownstream(db: ReadModelQueries, departmentId: string): Promise<Workload['impact']> {
  // A subquery of the tables given: as of a time, it reads the impact chain's names as they stood then.
  const row = await db
    .selectFrom(sql<BlockedDownstreamRow>`(${blockedDownstreamQuery(departmentId)})`.as('impact'))
    .selectAll()
    .executeTakeFirst();
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
      throw new InvalidRangeError(name === 'to' ? 'to' : 'from', `${name}: expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
    }
  }
  const to =
    range.to ??
    (range.from
      ? DateTime.fromISO(range.from, { zone: 'utc' }).plus({ days: 29 })
      : DateTime.fromJSDate(now, { zone: 'utc' })
    ).toISODate()!;
  const from = range.from ?? DateTime.fromISO(to, { zone: 'utc' }).minus({ days: 29 }).toISODate()!;
  if (from > to) throw new InvalidRangeError('from', `from (${from}) is after to (${to})`);
  const span = DateTime.fromISO(to, { zone: 'utc' }).diff(DateTime.fromISO(from, { zone: 'utc' }), 'days').days + 1;
  if (span > MAX_DAYS) throw new InvalidRangeError('from', `from..to spans ${span} days; at most ${MAX_DAYS}`);
  return { from, to };
}

function figures(values: number[]): DurationFigures {
  if (values.length === 0) return { count: 0, medianMinutes: null, p90Minutes: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, medianMinutes: percentile(sorted, 0.5), p90Minutes: percentile(sorted, 0.9) };
}

/**
 * The percentile of sorted values by linear interpolation between the two closest ranks (Hyndman and Fan's
 * definition 7, as PERCENTILE.INC and numpy's default): at rank h = (n − 1) · share, counted from 0, the value
 * x[⌊h⌋] + (h − ⌊h⌋) · (x[⌊h⌋ + 1] − x[⌊h⌋]). So the median of an even count is the mean of the two middle
 * values ({5, 10, 20, 40} → 15) and p90 of {5, 10, 20, 40} is 34. Exact: the share is taken in ten-thousandths and
 * the rank in whole numbers, so the only rounding is the last division (of integers, for whole minutes).
 */
export function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  if (!(share >= 0 && share <= 1)) throw new RangeError(`percentile share ${share} is not between 0 and 1`);
  const parts = Math.round(share * PERCENTILE_PARTS);
  const rank = (sorted.length - 1) * parts;
  const lower = Math.floor(rank / PERCENTILE_PARTS);
  const fraction = rank - lower * PERCENTILE_PARTS;
  if (fraction === 0) return sorted[lower];
  return (sorted[lower] * PERCENTILE_PARTS + fraction * (sorted[lower + 1] - sorted[lower])) / PERCENTILE_PARTS;
}

/** The share of a percentile in these parts (ten-thousandths): 0.5 and 0.9 exactly. */
const PERCENTILE_PARTS = 10_000;

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
