import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv, parseMapping } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import {
  allProjections,
  departmentKnown,
  departmentQueue,
  departmentWorkload,
  impactBlockers,
  openSqlite,
  percentile,
  readModelsAsOf,
  replayUntil,
  requestList,
  workloadImpactAsOf,
  type ReadModelQueries,
  type ReadModelStore,
} from '@desk/read-models';
import { describeSkipped } from '../support/describe-skipped';
import { readWholeLog } from '../support/shared-event-stores';
import { openPostgresReadModels, project } from '../read-models/support/read-model-backends';
import { volvoFigures } from './volvo-figures';

const VOLVO = '/work/shared/data/bpi2013/volvo-it-incidents.csv';
const INSTANTS = 20;

/** The projections the as-of answers read: all but full-text search (which answers the present only). */
const projections = () => allProjections().filter((projection) => projection.name !== 'request-search');

/**
 * The Volvo IT log, imported once: its read models against figures computed from the CSV on their own
 * (volvo-figures.ts), and its history tables against the replay, at 20 instants spread over its two years: every request's
 * summary, the busiest teams' queues and workloads, the newest page of the request list and the blockers, as of each
 * instant, to the row; on the embedded read models, and on PostgreSQL where DATABASE_URL is set.
 */
if (!existsSync(VOLVO)) {
  describeSkipped('the imported Volvo IT log', `${VOLVO} is not on this machine`);
} else {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) describeSkipped('the Volvo IT log as of 20 instants, against its replay (PostgreSQL)', 'DATABASE_URL is not set');

  describe('the imported Volvo IT log', () => {
    let dir: string;
    let store: SqliteEventStore;
    /** The live read models of the log on each store, built from it once; one replay per instant serves them all. */
    const lives: [string, ReadModelStore][] = [];
    let instants: Date[];
    let teams: string[];
    const expected = volvoFigures(VOLVO);
    const embedded = () => lives[0][1];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'desk-volvo-'));
      store = new SqliteEventStore(join(dir, 'events.sqlite'));
      const mapping = parseMapping(JSON.parse(readFileSync(join(__dirname, '../../mappings/volvo-it-incidents.json'), 'utf8')));
      await importCsv({ store, mapping, file: VOLVO });
      const events = await readWholeLog(store);
      lives.push(['embedded', openSqlite(':memory:')]);
      if (databaseUrl) lives.push(['PostgreSQL', await openPostgresReadModels(databaseUrl)]);
      for (const [, live] of lives) await project(live, events, { projections: projections() });
      const reader = lives[0][1].reader;
      const span = await reader
        .selectFrom('request_summaries')
        .select((eb) => [eb.fn.min('opened_at').as('from'), eb.fn.max('last_event_at').as('to')])
        .executeTakeFirstOrThrow();
      const from = Date.parse(String(span.from));
      const to = Date.parse(String(span.to));
      instants = Array.from({ length: INSTANTS }, (_, index) => new Date(from + ((index + 0.5) / INSTANTS) * (to - from)));
      const busiest = await reader
        .selectFrom('request_summaries')
        .select(['department_id', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('department_id')
        .orderBy('n', 'desc')
        .orderBy('department_id')
        .limit(3)
        .execute();
      teams = busiest.map((row) => row.department_id);
    }, 300_000);

    afterAll(async () => {
      for (const [, live] of lives) await live.close();
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('has every incident', async () => {
      const { n } = await embedded()
        .reader.selectFrom('request_summaries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(expected.incidents).toBe(7554);
      expect(Number(n)).toBe(expected.incidents);
    });

    it('has every agent the log names, in every team it shows them in', async () => {
      const agents = await embedded().reader.selectFrom('agent_departments').select(['agent_id', 'department_id']).execute();
      const product = new Map<string, Set<string>>();
      for (const { agent_id, department_id } of agents) product.set(agent_id, (product.get(agent_id) ?? new Set()).add(department_id));
      expect(expected.agentTeams.size).toBe(3111);
      expect(agents.length).toBe(9790);
      expect(product).toEqual(expected.agentTeams);
    });

    it('ends each incident in the status its log ends in', async () => {
      const rows = await embedded()
        .reader.selectFrom('request_summaries')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      expect(Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]))).toEqual(expected.finalStatus);
    });

    it.each(['2011-06-01T00:00:00Z', '2012-05-01T00:00:00Z'])(
      'has the same open incidents per team at %s',
      async (time) => {
        const at = new Date(time);
        // As the read models' history holds it (the as-of answers' source, which the last test holds to the replay).
        const rows = await readModelsAsOf(embedded().reader, at)
          .selectFrom('request_summaries')
          .select(['department_id', (eb) => eb.fn.countAll<number>().as('n')])
          .where('is_open', '=', 1)
          .groupBy('department_id')
          .execute();
        const product = new Map(rows.map((row) => [row.department_id, Number(row.n)]));
        const independent = expected.openPerTeamAt(at);
        expect([...product].sort()).toEqual([...independent].sort());
        expect([...independent.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      },
      60_000,
    );

    it('has the same median and p90 resolution time', async () => {
      const rows = await embedded()
        .reader.selectFrom('request_summaries')
        .select('resolution_elapsed_minutes')
        .where('resolution_elapsed_minutes', 'is not', null)
        .execute();
      const product = rows.map((row) => row.resolution_elapsed_minutes!).sort((a, b) => a - b);
      const independent = [...expected.resolutionMinutes].sort((a, b) => a - b);
      expect(product.length).toBe(independent.length);
      expect([percentile(product, 0.5), percentile(product, 0.9)]).toEqual([percentile(independent, 0.5), percentile(independent, 0.9)]);
    });

    it(`answers as every replay of the log up to each instant does, to the row, on ${databaseUrl ? 'both stores' : 'the embedded store'}`, async () => {
      for (const asOf of instants) {
        const replay = await replayUntil(store, asOf, projections());
        try {
          for (const [name, live] of lives) {
            const temporal = readModelsAsOf(live.reader, asOf);
            const same = <T>(read: (db: ReadModelQueries) => Promise<T>) => expectSame(name, temporal, replay.reader, read, asOf);
            await same((db) => summaries(db));
            for (const team of teams) await same((db) => departmentQueue(db, team, { limit: 200 }, asOf));
            await same((db) => requestList(db, { sort: 'updatedAt', order: 'desc', limit: 100 }, asOf, 'staff'));
            expect(await impactBlockers(live.reader, { limit: 100 }, asOf)).toEqual(await impactBlockers(replay.reader, { limit: 100 }));
            const impact = workloadImpactAsOf(live.reader, asOf);
            for (const team of teams) {
              // A team the log had not met by then is not known then (the API answers 404, as the replay would).
              expect(await departmentKnown(temporal, team, asOf)).toBe(await departmentKnown(replay.reader, team));
              if (!(await departmentKnown(replay.reader, team))) continue;
              expect(await departmentWorkload(temporal, team, {}, asOf, impact)).toEqual(
                await departmentWorkload(replay.reader, team, {}, asOf),
              );
            }
          }
        } finally {
          await replay.close();
        }
      }
    }, 600_000);
  });
}

async function summaries(db: ReadModelQueries): Promise<unknown[]> {
  const rows = await db.selectFrom('request_summaries').selectAll().orderBy('request_id').execute();
  return rows.map((row) => {
    const { valid_from: _from, valid_to: _to, ...summary } = row as typeof row & { valid_from?: string; valid_to?: string };
    return summary;
  });
}

/** The same read through the history tables and through the replay; a difference says which store and time. */
async function expectSame<T>(
  store: string,
  temporal: ReadModelQueries,
  replay: ReadModelQueries,
  read: (db: ReadModelQueries) => Promise<T>,
  asOf: Date,
): Promise<void> {
  const [got, wanted] = [await read(temporal), await read(replay)];
  if (JSON.stringify(got) !== JSON.stringify(wanted)) {
    expect({ store, asOf: asOf.toISOString(), got }).toEqual({ store, asOf: asOf.toISOString(), got: wanted });
  }
}
