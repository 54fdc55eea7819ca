import { dumpReadModels, project } from '../read-models/support/read-model-backends';
import { openSqlite, type ReadModelStore } from '@desk/read-models';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@desk/event-store';
import { DeskHistory } from '@desk/application/testing/desk-history';
import { readWholeLog } from '../support/shared-event-stores';
import { agent, analyst, operator, TestDesk } from './support/test-desk';

describe('rebuilding while commands and queries run', () => {
  let dir: string;
  it('answers every query and command, and ends with read models identical to a fresh rebuild', async () => {
    // A history written straight to the store, and small batches: the copies take a thousand transactions to catch up,
    // so the load runs across the rebuild and the swap.
    dir = mkdtempSync(join(tmpdir(), 'desk-rebuild-load-'));
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const history = new DeskHistory()
      .department('it', 'IT', [{ priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 240 }])
      .department('front-desk', 'Front desk')
      .internalCustomer('anna', 'front-desk', true)
      .externalCustomer('bob');
    for (let i = 0; i < 600; i++) {
      history.open(`before-${i}`, i % 2 ? 'anna' : 'bob', i % 2 ? 'it' : 'front-desk').assign(`before-${i}`);
      if (i % 2) history.link(`before-${i}`, `before-${i - 1}`);
    }
    for (const event of history.events) {
      await store.appendToStream(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }]);
    }
    const desk = await TestDesk.start({ store, env: { PROJECTION_BATCH_SIZE: '4' } });
    let fresh: ReadModelStore | null = null;
    let running = true;
    let load: Promise<void> = Promise.resolve();
    try {
      expect(await desk.readSide.waitFor(['request-summaries', 'impact-chain'], await store.headPosition(), 30_000)).toBe(true);

      const answers: number[] = [];
      load = (async () => {
        for (let i = 0; running; i++) {
          const command = await desk.call('POST', '/requests', {
            as: agent(),
            body: {
              id: `during-${i}`,
              requesterId: i % 2 ? 'anna' : 'bob',
              departmentId: i % 2 ? 'it' : 'front-desk',
              subject: 'load',
              priority: 'high',
            },
          });
          answers.push(command.status);
          for (const url of [
            '/queues/it?limit=20',
            '/departments/it/workload',
            '/impact/blockers',
            `/queues/front-desk?minPosition=${command.body.position}`,
          ]) {
            answers.push((await desk.call('GET', url, { as: analyst })).status);
          }
        }
      })();

      for (const name of ['request-summaries', 'impact-chain']) {
        const started = await desk.call('POST', `/admin/projections/${name}/rebuild`, { as: operator });
        expect([name, started.status, started.body.rebuild?.state]).toEqual([name, 202, 'rebuilding']);
      }
      expect((await desk.call('POST', '/admin/projections/satisfaction-follow-up/rebuild', { as: operator })).status).toBe(409);
      expect((await desk.call('POST', '/admin/projections/request-summaries/rebuild', { as: agent() })).status).toBe(403);
      const during = await desk.expect(200, 'GET', '/admin/projections', { as: operator });
      // Still under way, or already swapped in (the log is small): either way the status says so.
      const progress = during.projections[0].rebuild;
      expect(progress === null || ['rebuilding', 'stopped'].includes(progress.state)).toBe(true);

      const answersBefore = answers.length;
      await desk.readSide.rebuilt('request-summaries');
      await desk.readSide.rebuilt('impact-chain');
      const answersDuring = answers.length - answersBefore;
      while (answers.length < answersBefore + answersDuring + 10) await new Promise((resolve) => setTimeout(resolve, 5));
      running = false;
      await load;
      expect(answersDuring).toBeGreaterThan(0);

      expect(answers.filter((status) => status >= 400)).toEqual([]);
      expect(answers.length).toBeGreaterThan(20);
      const head = await store.headPosition();
      expect(await desk.readSide.waitFor(['request-summaries', 'impact-chain'], head, 10_000)).toBe(true);
      const after = await desk.expect(200, 'GET', '/admin/projections', { as: operator });
      expect(after.projections.map((p: { name: string; state: string; rebuild: unknown }) => [p.name, p.state, p.rebuild])).toEqual([
        ['request-summaries', 'running', null],
        ['impact-chain', 'running', null],
        ['directory', 'running', null],
        ['request-search', 'running', null],
        ['workload-facts', 'running', null],
        ['satisfaction-follow-up', 'running', null],
      ]);

      fresh = openSqlite(':memory:');
      await project(fresh, await readWholeLog(store));
      expect(await dumpReadModels(desk.readModels)).toEqual(await dumpReadModels(fresh));
    } finally {
      running = false;
      await load;
      await fresh?.close();
      await desk.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
