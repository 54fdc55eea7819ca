import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openSqlite, type ReadModelStore } from '@desk/read-models';
import { TestDesk, manager } from './support/test-desk';

/** A recursive count that keeps a read worker busy for a few hundred milliseconds. */
const SLOW_COUNT = sql`with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000000) select count(*) as n from c`;

describe('a query while every read-model worker is busy and the queue is full', () => {
  let dir: string;
  let readModels: ReadModelStore;
  let desk: TestDesk;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-busy-read-models-'));
    // One worker and no room to wait: whatever arrives while it works is refused.
    readModels = openSqlite(join(dir, 'read-models.sqlite'), { workers: 1, maxQueued: 0 });
    // READ_CACHE_MS=0: every call is a query, not the answer of the one before.
    desk = await TestDesk.start({ readModels, env: { READ_CACHE_MS: '0' } });
    await desk.expect(201, 'POST', '/departments', { body: { id: 'it', name: 'IT' } });
  });

  afterAll(async () => {
    await desk.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is answered 503 with Retry-After and a problem document at once, and the API keeps answering meanwhile', async () => {
    // The department reaches the read models a moment after its command is answered.
    for (let waited = 0; (await desk.call('GET', '/queues/it', { as: manager })).status !== 200 && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await desk.call('GET', '/queues/it', { as: manager })).status).toBe(200);
    // Settled either way: a failure below must not leave it to end in a rejection nobody awaits when the desk stops.
    const busy = SLOW_COUNT.execute(readModels.reader).then(
      () => 'counted',
      (error: unknown) => error,
    );
    const refused = await desk.call('GET', '/queues/it', { as: manager });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      type: '/problems/service-unavailable',
      title: 'Service unavailable',
      status: 503,
      detail: expect.stringMatching(/read models are answering as many queries as they may hold/),
      instance: '/queues/it',
    });
    expect((await desk.call('GET', '/health/live', { as: null })).status).toBe(200);
    expect(await busy).toBe('counted');
    expect((await desk.call('GET', '/queues/it', { as: manager })).status).toBe(200);
  });
});
