import { JsonLog } from '@desk/application';
import { seedOrganisation, openRequest } from './support/org';
import { agent, requester, TestDesk } from './support/test-desk';

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
    // Refused by role, before the command is handled: counted as the command the route sends all the same.
    expect((await desk.call('POST', '/requests/m-1/start', { as: requester('rita'), body: {} })).status).toBe(403);
    expect((await desk.call('POST', '/departments', { as: agent(), body: { id: 'hr', name: 'HR' } })).status).toBe(403);
    expect(await desk.readSide.waitFor(desk.readSide.projectionNames, BigInt(position), 5000)).toBe(true);

    const scrape = await desk.call('GET', '/metrics', { as: null });
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = scrape.raw;
    expect(sample(text, 'desk_commands_total', { command: 'OpenRequest', outcome: 'accepted' })).toBe(2);
    expect(sample(text, 'desk_commands_total', { command: 'StartWork', outcome: 'refused' })).toBe(1);
    expect(sample(text, 'desk_commands_total', { command: 'StartWork', outcome: 'forbidden' })).toBe(1);
    expect(sample(text, 'desk_commands_total', { command: 'RegisterDepartment', outcome: 'forbidden' })).toBe(1);
    // It took no time to decide: the duration series counts the commands handled only.
    expect(sample(text, 'desk_command_duration_seconds_count', { command: 'StartWork' })).toBe(1);
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

describe('JSON logs', () => {
  it('writes one JSON object per line, carrying the correlation id from the request to its events and to the processes they drive', async () => {
    const lines: string[] = [];
    const desk = await TestDesk.start({ log: new JsonLog('api', 'debug', (line) => lines.push(line)) });
    try {
      await seedOrganisation(desk);
      await openRequest(desk, 'log-1');
      const headers = { 'x-correlation-id': 'trace-7' };
      await desk.expect(200, 'POST', '/requests/log-1/assign', { as: agent(), body: { agentId: agent().sub }, headers });
      await desk.expect(200, 'POST', '/requests/log-1/start', { as: agent(), headers });
      await desk.expect(200, 'POST', '/requests/log-1/resolve', { as: agent(), body: { resolution: 'ok' }, headers });
      const rated = await desk.call('POST', '/requests/log-1/satisfaction', {
        as: requester('anna'),
        body: { score: 1 },
        headers,
      });
      expect(rated.headers['x-correlation-id']).toBe('trace-7');
      const generated = await desk.call('GET', '/health/live', { as: null });
      expect(generated.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);

      const deadline = Date.now() + 5000;
      const parsed = () => lines.map((line) => JSON.parse(line));
      while (!parsed().some((entry) => entry.msg === 'poor rating followed up') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
      const entries = parsed();
      expect(entries.find((entry) => entry.msg === 'request' && entry.route === '/requests/:id/satisfaction')).toMatchObject({
        level: 'info',
        service: 'api',
        method: 'POST',
        status: 200,
        correlationId: 'trace-7',
        actor: 'anna',
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      });
      expect(entries.find((entry) => entry.msg === 'poor rating followed up')).toMatchObject({
        requestId: 'log-1',
        score: 1,
        correlationId: 'trace-7',
      });
      const history = await desk.expect(200, 'GET', '/requests/log-1/history', { as: agent() });
      expect(history.events.slice(-4).map((event: { correlationId: string }) => event.correlationId)).toEqual([
        'trace-7',
        'trace-7',
        'trace-7',
        'trace-7',
      ]);
    } finally {
      await desk.stop();
    }
  });
});

describe('logs of answers that say "not now"', () => {
  it('log a read model behind its bounded wait as a warning with its reason, not as a server error with a stack', async () => {
    const lines: string[] = [];
    const desk = await TestDesk.start({ log: new JsonLog('api', 'info', (line) => lines.push(line)) });
    try {
      await seedOrganisation(desk);
      const { position } = await openRequest(desk, 'early');
      const summaries = desk.readSide.runner('request-summaries')!;
      expect(await summaries.waitFor(BigInt(position), 5000)).toBe(true);
      await summaries.stop();
      const { position: later } = await openRequest(desk, 'late');
      expect((await desk.call('GET', `/queues/it?minPosition=${later}&waitMs=20`, { as: agent() })).status).toBe(503);
      const logged = lines.map(
        (line) => JSON.parse(line) as { level: string; msg: string; status?: number; detail?: string; error?: string },
      );
      expect(logged.filter((line) => line.level === 'error')).toEqual([]);
      expect(logged.filter((line) => line.level === 'warn')).toEqual([
        expect.objectContaining({ msg: 'request answered unavailable', detail: expect.stringMatching(/have not reached position/) }),
        expect.objectContaining({ msg: 'request', status: 503 }),
      ]);
      expect(logged.some((line) => 'error' in line && line.msg === 'request answered unavailable')).toBe(false);
    } finally {
      await desk.stop();
    }
  });
});
