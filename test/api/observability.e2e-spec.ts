import { seedOrganisation, openRequest } from './support/org';
import { agent, TestDesk } from './support/test-desk';

/** The value of one series in a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const [, labelText = '', value] = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line) ?? [];
    if (Object.entries(labels).every(([key, v]) => labelText.includes(`${key}="${v}"`))) return Number(value);
  }
  return undefined;
}

describe('metrics', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await TestDesk.start();
  });
  afterAll(async () => {
    await desk.stop();
  });

  it('exposes command rate, latency and refusals by command, append latency, projection lag and rate, HTTP and process series', async () => {
    await seedOrganisation(desk);
    await openRequest(desk, 'm-1');
    const { position } = await openRequest(desk, 'm-2');
    expect((await desk.call('POST', '/requests/m-1/start', { as: agent() })).status).toBe(409);
    expect((await desk.call('POST', '/requests', { as: agent(), body: { id: 'm-3' } })).status).toBe(400);
    expect(await desk.readSide.waitFor(desk.readSide.projectionNames, BigInt(position), 5000)).toBe(true);

    const scrape = await desk.call('GET', '/metrics', { as: null });
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = scrape.raw;
    expect(sample(text, 'desk_commands_total', { command: 'OpenRequest', outcome: 'accepted' })).toBe(2);
    expect(sample(text, 'desk_commands_total', { command: 'StartWork', outcome: 'refused' })).toBe(1);
    expect(sample(text, 'desk_command_duration_seconds_count', { command: 'OpenRequest' })).toBe(2);
    expect(sample(text, 'desk_event_store_append_duration_seconds_count', {})).toBeGreaterThanOrEqual(8);
    expect(sample(text, 'desk_event_store_appended_events_total', {})).toBe(Number(position));
    for (const projection of ['request-summaries', 'impact-chain', 'satisfaction-follow-up']) {
      expect(sample(text, 'desk_projection_lag', { projection })).toBe(0);
      expect(sample(text, 'desk_projection_checkpoint', { projection })).toBe(Number(position));
      expect(sample(text, 'desk_projection_state', { projection, state: 'running' })).toBe(1);
      expect(sample(text, 'desk_projection_events_per_second', { projection })).toBeGreaterThanOrEqual(0);
    }
    expect(sample(text, 'desk_http_request_duration_seconds_count', { method: 'POST', route: '/requests', status: '201' })).toBe(2);
    expect(sample(text, 'desk_http_request_duration_seconds_count', { method: 'POST', route: '/requests', status: '400' })).toBe(1);
    expect(sample(text, 'desk_process_resident_memory_bytes', {})).toBeGreaterThan(0);
  });
});
