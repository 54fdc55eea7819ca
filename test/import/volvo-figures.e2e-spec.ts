import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv, parseMapping } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { allProjections, openSqlite, percentile, readModelsAsOf } from '@desk/read-models';
import { describeSkipped } from '../support/describe-skipped';
import { readWholeLog } from '../support/shared-event-stores';
import { project } from '../read-models/support/read-model-backends';
import { volvoFigures } from './volvo-figures';

const VOLVO = '/work/shared/data/bpi2013/volvo-it-incidents.csv';

if (!existsSync(VOLVO)) {
  describeSkipped('the imported Volvo IT log against figures computed from the CSV', `${VOLVO} is not on this machine`);
} else {
  describe('the imported Volvo IT log against figures computed from the CSV', () => {
    let dir: string;
    let store: SqliteEventStore;
    const readModels = openSqlite(':memory:');
    const expected = volvoFigures(VOLVO);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'desk-volvo-'));
      store = new SqliteEventStore(join(dir, 'events.sqlite'));
      const mapping = parseMapping(JSON.parse(readFileSync(join(__dirname, '../../mappings/volvo-it-incidents.json'), 'utf8')));
      await importCsv({ store, mapping, file: VOLVO });
      // Full-text search reads nothing these figures need.
      await project(readModels, await readWholeLog(store), {
        projections: allProjections().filter((projection) => projection.name !== 'request-search'),
      });
    }, 120_000);

    afterAll(async () => {
      await readModels.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('has every incident', async () => {
      const { n } = await readModels.reader
        .selectFrom('request_summaries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(expected.incidents).toBe(7554);
      expect(Number(n)).toBe(expected.incidents);
    });

    it('has every agent the log names, in every team it shows them in', async () => {
      const agents = await readModels.reader.selectFrom('agent_departments').select(['agent_id', 'department_id']).execute();
      const product = new Map<string, Set<string>>();
      for (const { agent_id, department_id } of agents) product.set(agent_id, (product.get(agent_id) ?? new Set()).add(department_id));
      expect(expected.agentTeams.size).toBe(3111);
      expect(agents.length).toBe(9790);
      expect(product).toEqual(expected.agentTeams);
    });

    it('ends each incident in the status its log ends in', async () => {
      const rows = await readModels.reader
        .selectFrom('request_summaries')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      expect(Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]))).toEqual(expected.finalStatus);
    });

    it.each(['2011-06-01T00:00:00Z', '2012-05-01T00:00:00Z'])(
      'has the same open incidents per team at %s',
      async (time) => {
        const at = new Date(time);
        // As the read models' history holds it (the as-of answers' source; volvo-as-of holds it to the replay).
        const rows = await readModelsAsOf(readModels.reader, at)
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
      const rows = await readModels.reader
        .selectFrom('request_summaries')
        .select('resolution_elapsed_minutes')
        .where('resolution_elapsed_minutes', 'is not', null)
        .execute();
      const product = rows.map((row) => row.resolution_elapsed_minutes!).sort((a, b) => a - b);
      const independent = [...expected.resolutionMinutes].sort((a, b) => a - b);
      expect(product.length).toBe(independent.length);
      expect([percentile(product, 0.5), percentile(product, 0.9)]).toEqual([percentile(independent, 0.5), percentile(independent, 0.9)]);
    });
  });
}
