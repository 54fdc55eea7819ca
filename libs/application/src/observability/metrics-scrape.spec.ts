import { Counter, Registry } from 'prom-client';
import { MetricsScrape } from './metrics-scrape';

/** A registry whose one series counts its own renderings, each taking a macrotask (as the event-loop lag's does). */
function countingRegistry(): { registry: Registry; renderings: () => number } {
  const registry = new Registry();
  let renderings = 0;
  new Counter({
    name: 'renderings_total',
    help: 'Renderings of this registry',
    registers: [registry],
    async collect() {
      renderings += 1;
      await new Promise((resolve) => setImmediate(resolve));
      this.inc();
    },
  });
  return { registry, renderings: () => renderings };
}

describe('MetricsScrape', () => {
  it('answers every scrape within cacheMs with one rendering, then renders anew', async () => {
    const { registry, renderings } = countingRegistry();
    let now = 0;
    const scrape = new MetricsScrape(registry, { token: undefined, cacheMs: 1000 }, () => now);
    const first = await scrape.text();
    now = 999;
    expect(await scrape.text()).toBe(first);
    expect(renderings()).toBe(1);
    now = 1000;
    expect(await scrape.text()).not.toBe(first);
    expect(renderings()).toBe(2);
  });

  it('without a cache, shares the rendering under way among the scrapes that arrive meanwhile', async () => {
    const { registry, renderings } = countingRegistry();
    const scrape = new MetricsScrape(registry, { token: undefined, cacheMs: 0 });
    const texts = await Promise.all(Array.from({ length: 8 }, () => scrape.text()));
    expect(new Set(texts).size).toBe(1);
    expect(renderings()).toBe(1);
    await scrape.text();
    expect(renderings()).toBe(2);
  });

  it('renders again after a rendering that failed', async () => {
    const registry = new Registry();
    let fail = true;
    new Counter({
      name: 'flaky_total',
      help: 'Fails its first collection',
      registers: [registry],
      collect() {
        if (fail) throw new Error('collection failed');
      },
    });
    const scrape = new MetricsScrape(registry, { token: undefined, cacheMs: 60_000 });
    await expect(scrape.text()).rejects.toThrow('collection failed');
    fail = false;
    expect(await scrape.text()).toContain('flaky_total');
  });

  it('admits every scrape without a token, and with one only its bearer', () => {
    const open = new MetricsScrape(new Registry(), { token: undefined, cacheMs: 0 });
    expect(open.admits(undefined)).toBe(true);
    const guarded = new MetricsScrape(new Registry(), { token: 'a-secret-of-thirty-two-characters', cacheMs: 0 });
    expect(guarded.admits('Bearer a-secret-of-thirty-two-characters')).toBe(true);
    expect(guarded.admits(' BEARER  a-secret-of-thirty-two-characters ')).toBe(true);
    for (const refused of [
      undefined,
      '',
      'Bearer',
      'Bearer a-secret',
      'a-secret-of-thirty-two-characters',
      'Basic a-secret-of-thirty-two-characters',
    ]) {
      expect(guarded.admits(refused)).toBe(false);
    }
  });
});
