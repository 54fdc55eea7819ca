import {
  allWorkloads,
  deskWorkload,
  departmentWorkload,
  openSqlite,
  percentile,
  type DurationFigures,
  type ReadModelStore,
  type RequestSummaryRow,
} from '@desk/read-models';
import { AUDIENCES, type RequestCommand } from '@desk/domain';
import type { DeskHistory } from '@desk/application/testing/desk-history';
import { breach, cancel, close, desk, followUp, hold, rate, reply, requester, resume, SYSTEM } from './scenario-desk';
import { project } from './support/read-model-backends';

const REQUESTERS = [
  ['eva', 'internal'],
  ['rita', 'internal'],
  ['olga', 'external'],
  ['omar', 'external'],
] as const;
const DEPARTMENTS = ['it', 'shop', 'hr'] as const;
const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Some days of a desk in business-time order: requests opened in the three
 * departments by internal and external requesters, worked, answered, put on
 * hold and resumed, resolved, rated, closed, cancelled, their breaches
 * recorded, poor ratings followed up. No transfer or reopening: those are
 * where the facts' semantics differ from a request's last state (the facts spec
 * covers them), so here the facts up to a time must give what the summaries as
 * of that time gave by the workload's old definition.
 */
function generatedHistory(seed: number): DeskHistory {
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  const history = desk();
  const requests: { id: string; requester: string; department: string }[] = [];
  const attempt = (id: string, command: RequestCommand, actor = undefined as Parameters<DeskHistory['request']>[2]) => {
    try {
      history.request(id, command, actor);
    } catch {
      // Refused by the domain (not in a state to take it): the generator tries something else next.
    }
  };
  for (let step = 0; step < 1500; step++) {
    history.advance(Math.floor(next() * 20));
    const roll = next();
    if (roll < 0.12 || requests.length === 0) {
      const [requesterId] = pick(REQUESTERS);
      const id = `g${requests.length}`;
      const department = pick(DEPARTMENTS);
      try {
        history.open(id, requesterId, department, { priority: pick(PRIORITIES) });
        requests.push({ id, requester: requesterId, department });
      } catch {
        // A requester the department does not serve.
      }
      continue;
    }
    // Mostly the recent requests, so that many are worked to the end; now and then an older one.
    const request = next() < 0.9 ? pick(requests.slice(-12)) : pick(requests);
    const asRequester = requester(request.requester);
    if (roll < 0.32) {
      try {
        history.work(request.id, pick(['agent-ann', 'agent-bob', 'agent-cid']));
      } catch {
        // Not workable now.
      }
    } else if (roll < 0.46) attempt(request.id, reply(`c${step}`));
    else if (roll < 0.51) attempt(request.id, hold(pick(['awaiting_requester', 'awaiting_third_party'])));
    else if (roll < 0.57) attempt(request.id, resume);
    else if (roll < 0.75) {
      try {
        history.resolve(request.id);
      } catch {
        // Not resolvable now.
      }
    } else if (roll < 0.83) attempt(request.id, rate(1 + Math.floor(next() * 5)), asRequester);
    else if (roll < 0.87) attempt(request.id, close, asRequester);
    else if (roll < 0.9) attempt(request.id, cancel, asRequester);
    else if (roll < 0.96) attempt(request.id, breach(pick(['first_response', 'resolution'])), SYSTEM);
    else {
      const id = `f${step}`;
      try {
        history.request(id, followUp(id, request.id, request.requester, request.department), SYSTEM);
        requests.push({ id, requester: request.requester, department: request.department });
      } catch {
        // Nothing to follow up.
      }
    }
  }
  return history;
}

/** The workload's figures by its old definition: every summary of the department, as it stands, read in full. */
function oldDefinition(rows: RequestSummaryRow[], from: string, to: string) {
  const durations = (values: (number | null)[]): DurationFigures => {
    const sorted = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
    return sorted.length === 0
      ? { count: 0, medianMinutes: null, p90Minutes: null }
      : { count: sorted.length, medianMinutes: percentile(sorted, 0.5), p90Minutes: percentile(sorted, 0.9) };
  };
  const days = new Map<string, { day: string; intake: number; resolved: number }>();
  const dayOf = (day: string) => days.get(day) ?? days.set(day, { day, intake: 0, resolved: 0 }).get(day)!;
  for (const row of rows) {
    if (row.opened_day >= from && row.opened_day <= to) dayOf(row.opened_day).intake++;
    if (row.resolved_day !== null && row.resolved_day >= from && row.resolved_day <= to) dayOf(row.resolved_day).resolved++;
  }
  const compliance = (met: number, breached: number) => ({
    met,
    breached,
    compliance: met + breached === 0 ? null : Math.round((met / (met + breached)) * 10_000) / 10_000,
  });
  const outcome = (
    rowsOf: RequestSummaryRow[],
    within: (row: RequestSummaryRow) => number | null,
    breached: (row: RequestSummaryRow) => number,
  ) =>
    compliance(
      rowsOf.filter((row) => within(row) === 1 && breached(row) === 0).length,
      rowsOf.filter((row) => breached(row) === 1 || within(row) === 0).length,
    );
  const rated = (audience: string) => {
    const scores = rows.filter((row) => row.audience === audience && row.satisfaction_score !== null).map((row) => row.satisfaction_score!);
    return {
      ratings: scores.length,
      mean: scores.length === 0 ? null : Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100,
    };
  };
  const status = (name: string) => rows.filter((row) => row.status === name).length;
  return {
    byStatus: {
      new: status('new'),
      assigned: status('assigned'),
      in_progress: status('in_progress'),
      on_hold: status('on_hold'),
      // Without reopenings, every request closed was resolved first: the resolutions are the resolved and the closed ones.
      resolved: status('resolved') + status('closed'),
      closed: status('closed'),
      cancelled: status('cancelled'),
    },
    days: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
    times: {
      firstResponse: {
        business: durations(rows.map((row) => row.first_response_business_minutes)),
        elapsed: durations(rows.map((row) => row.first_response_elapsed_minutes)),
      },
      resolution: {
        business: durations(rows.map((row) => row.resolution_business_minutes)),
        elapsed: durations(rows.map((row) => row.resolution_elapsed_minutes)),
      },
    },
    sla: Object.fromEntries(
      AUDIENCES.map((audience) => {
        const of = rows.filter((row) => row.audience === audience);
        return [
          audience,
          {
            firstResponse: outcome(
              of,
              (row) => row.first_response_within_target,
              (row) => row.first_response_breached,
            ),
            resolution: outcome(
              of,
              (row) => row.resolution_within_target,
              (row) => row.resolution_breached,
            ),
          },
        ];
      }),
    ),
    satisfaction: {
      internal: rated('internal'),
      external: rated('external'),
      poorRatings: rows.filter((row) => row.satisfaction_score !== null && row.satisfaction_score <= 2).length,
      followUps: {
        awaiting: rows.filter((row) => row.satisfaction_score !== null && row.satisfaction_score <= 2 && row.follow_up_request_id === null)
          .length,
        open: rows.filter((row) => row.follow_up_of !== null && row.is_open === 1).length,
        done: rows.filter((row) => row.follow_up_of !== null && row.is_open === 0).length,
      },
    },
  };
}

const FROM = '2026-03-01';
const TO = '2026-03-31';

describe('the workload on a generated history, against its old definition', () => {
  it.each([1, 2, 3])(
    'gives, up to each of several times, what the summaries as of then give (seed %i)',
    async (seed) => {
      const history = generatedHistory(seed);
      const live = openSqlite(':memory:');
      try {
        await project(live, history.events);
        const last = Date.parse(String(history.events[history.events.length - 1].metadata.occurredAt));
        const first = Date.parse(String(history.events[0].metadata.occurredAt));
        const times = [0.25, 0.5, 0.8, 1].map((share) => new Date(first + Math.round((last - first) * share)));
        let atTheEnd: ReturnType<typeof oldDefinition> | undefined;
        for (const now of times) {
          // The oracle: the read models of the events up to now, as the as-of replay builds them.
          const replay: ReadModelStore = openSqlite(':memory:');
          try {
            await project(
              replay,
              history.events.filter((event) => Date.parse(String(event.metadata.occurredAt)) <= now.getTime()),
            );
            const rows = await replay.reader.selectFrom('request_summaries').selectAll().execute();
            const range = { from: FROM, to: TO };
            for (const department of DEPARTMENTS) {
              const expected = oldDefinition(
                rows.filter((row) => row.department_id === department),
                FROM,
                TO,
              );
              // Facts up to now from the live read models; open requests from the replay's (as they stood then).
              const facts = await departmentWorkload(live.reader, department, range, now);
              const open = await departmentWorkload(replay.reader, department, range, now);
              expect({
                byStatus: { ...facts.byStatus, ...pick(open.byStatus, ['new', 'assigned', 'in_progress', 'on_hold']) },
                days: facts.days,
                times: facts.times,
                sla: facts.sla,
                satisfaction: {
                  ...facts.satisfaction,
                  followUps: { ...facts.satisfaction.followUps, open: open.satisfaction.followUps.open },
                },
              }).toEqual(expected);
            }
            const expected = oldDefinition(rows, FROM, TO);
            atTheEnd = expected;
            const desk = await deskWorkload(replay.reader, range, now);
            expect({ byStatus: desk.byStatus, days: desk.days, times: desk.times, sla: desk.sla, satisfaction: desk.satisfaction }).toEqual(
              expected,
            );
            // One pass over every department gives each its own figures.
            const all = await allWorkloads(replay.reader, range, now);
            for (const entry of all) expect(entry).toEqual(await departmentWorkload(replay.reader, entry.departmentId, range, now));
          } finally {
            await replay.close();
          }
        }
        // The history has something of each kind to compare, at its end.
        const { byStatus, times: figures, sla, satisfaction } = atTheEnd!;
        expect({
          resolutions: figures.resolution.business.count > 30,
          firstResponses: figures.firstResponse.business.count > 30,
          onHold: byStatus.on_hold > 0,
          closed: byStatus.closed > 0,
          cancelled: byStatus.cancelled > 0,
          breached: AUDIENCES.some((audience) => sla[audience].firstResponse.breached > 0 && sla[audience].resolution.breached > 0),
          met: AUDIENCES.some((audience) => sla[audience].firstResponse.met > 0 && sla[audience].resolution.met > 0),
          poorRatings: satisfaction.poorRatings > 0,
          followUps: satisfaction.followUps.open + satisfaction.followUps.done > 0,
        }).toEqual({
          resolutions: true,
          firstResponses: true,
          onHold: true,
          closed: true,
          cancelled: true,
          breached: true,
          met: true,
          poorRatings: true,
          followUps: true,
        });
      } finally {
        await live.close();
      }
    },
    60_000,
  );
});

function pick(record: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.map((key) => [key, record[key]]));
}
