import { createEventStore, type EventStore } from '@desk/event-store';
import { ConfigError, loadConfig } from '@desk/application';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRequest, seedOrganisation } from '../api/support/org';
import { TestDesk, operator } from '../api/support/test-desk';

/**
 * Regression (issue 17, item 13): /metrics was open to anyone who could reach the port, and every scrape rendered
 * every series and read the head of the log from the event store: eight scrapers raised the median command
 * latency from 3 to 54 ms. With METRICS_TOKEN it asks for that bearer token, and one rendering answers every scrape
 * for METRICS_CACHE_MS.
 */
const METRICS_TOKEN = 'prometheus-scrapes-with-this-long-secret';

/** The embedded store, counting the reads of the head of the log. */
function countingHeadReads(store: EventStore): { store: EventStore; reads: () => number } {
  let reads = 0;
  const counting = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'headPosition') {
        return () => {
          reads += 1;
          return target.headPosition();
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counting, reads: () => reads };
}

const commandsAccepted = (text: string) =>
  Number(/^desk_commands_total\{command="OpenRequest",outcome="accepted"[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);

describe('GET /metrics with METRICS_TOKEN', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await TestDesk.start({ env: { METRICS_TOKEN } });
  });
  afterAll(async () => {
    await desk.stop();
  });

  it.each([
    ['no Authorization header', undefined],
    ['another bearer token', 'Bearer prometheus-scrapes-with-this-long-secreT'],
    ['the token without its scheme', METRICS_TOKEN],
    ['the token as Basic credentials', `Basic ${METRICS_TOKEN}`],
  ])('is a 401 problem for %s', async (_, authorization) => {
    const answer = await desk.call('GET', '/metrics', { as: null, headers: authorization ? { authorization } : {} });
    expect([answer.status, answer.body.title, answer.headers['www-authenticate']]).toEqual([
      401,
      'Not authenticated',
      'Bearer realm="metrics"',
    ]);
    expect(answer.raw).not.toContain('desk_commands_total');
  });

  it("is a 401 for a desk token, even an operator's: the metrics token is the scraper's alone", async () => {
    expect((await desk.call('GET', '/metrics', { as: operator })).status).toBe(401);
  });

  it('answers the series to the token, whatever the case of its scheme', async () => {
    for (const authorization of [`Bearer ${METRICS_TOKEN}`, `bearer  ${METRICS_TOKEN} `]) {
      const answer = await desk.call('GET', '/metrics', { as: null, headers: { authorization } });
      expect(answer.status).toBe(200);
      expect(answer.raw).toMatch(/^desk_process_resident_memory_bytes\{/m);
    }
  });

  it('stops start-up naming METRICS_TOKEN when it is too short to be a secret', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-metrics-config-'));
    expect(() => loadConfig({ DATA_DIR: dataDir, METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir, METRICS_TOKEN: 'short' })).toThrow(/^METRICS_TOKEN /);
    expect(loadConfig({ DATA_DIR: dataDir }).metrics).toEqual({ token: undefined, cacheMs: 1000 });
  });
});

describe('GET /metrics under many scrapers', () => {
  it('renders once per METRICS_CACHE_MS, reading the head of the log once, however many scrape, then renders anew', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-metrics-'));
    const { store, reads } = countingHeadReads(await createEventStore({ dataDir }));
    const desk = await TestDesk.start({ store, env: { METRICS_CACHE_MS: '400' } });
    try {
      await seedOrganisation(desk);
      const { position } = await openRequest(desk, 'counted');
      expect(await desk.readSide.waitFor(desk.readSide.projectionNames, BigInt(position), 5000)).toBe(true);

      const server = desk.app.getHttpAdapter().getInstance();
      const scrape = async () => (await server.inject({ method: 'GET', url: '/metrics' })).body;
      const first = await scrape();
      const readsBefore = reads();
      expect(commandsAccepted(first)).toBe(1);
      await openRequest(desk, 'not-yet-shown');
      // Eight scrapers at once, then forty more in a row: all within the window, all the same rendering.
      const texts = [...(await Promise.all(Array.from({ length: 8 }, scrape)))];
      for (let i = 0; i < 40; i++) texts.push(await scrape());
      expect(new Set(texts)).toEqual(new Set([first]));
      expect(reads()).toBe(readsBefore);

      await new Promise((resolve) => setTimeout(resolve, 450));
      const fresh = await scrape();
      expect(commandsAccepted(fresh)).toBe(2);
      expect(reads()).toBe(readsBefore + 1);
    } finally {
      await desk.stop();
      await store.close();
    }
  });
});
