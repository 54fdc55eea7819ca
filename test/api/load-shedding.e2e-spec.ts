import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, type EventStore } from '@desk/event-store';
import { DeskMetrics } from '@desk/application';
import { readWholeLog } from '../support/shared-event-stores';
import { seedOrganisation } from './support/org';
import { agent, TestDesk, type HttpAnswer } from './support/test-desk';

/** An event store whose appends can be held: the commands that reach it stay in flight until it lets them go. */
class HeldAppends {
  private held = false;
  private readonly waiting: (() => void)[] = [];
  readonly store: EventStore;

  constructor(inner: EventStore) {
    this.store = new Proxy(inner, {
      get: (target, property, receiver) => {
        if (property !== 'appendToStream') return Reflect.get(target, property, receiver) as unknown;
        return async (...args: Parameters<EventStore['appendToStream']>) => {
          if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
          return target.appendToStream(...args);
        };
      },
    });
  }

  get appendsHeld(): number {
    return this.waiting.length;
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    for (const resume of this.waiting.splice(0)) resume();
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  for (const started = Date.now(); !(await condition());) {
    if (Date.now() - started > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const body = (id: string) => ({ id, requesterId: 'anna', departmentId: 'it', subject: `Request ${id}`, priority: 'high' });

describe('commands under load: a bounded number in flight and waiting, the rest shed before they are decided', () => {
  let dir: string;
  let inner: EventStore;
  let appends: HeldAppends;
  let desk: TestDesk;

  // One command decided at a time and two waiting: the third is beyond the bound.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-load-shedding-'));
    inner = await createEventStore({ dataDir: dir });
    appends = new HeldAppends(inner);
    desk = await TestDesk.start({ store: appends.store, env: { COMMANDS_MAX_IN_FLIGHT: '1', COMMANDS_QUEUE_MAX: '2' } });
    await seedOrganisation(desk);
  });

  afterAll(async () => {
    appends.release();
    await desk.stop();
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => appends.release());

  const gauge = async (name: string) => {
    const metric = desk.app.get(DeskMetrics).registry.getSingleMetric(name);
    const values = (await metric!.get()).values;
    return values.reduce((sum, value) => sum + value.value, 0);
  };
  const shed = async (reason: string) => {
    const metric = desk.app.get(DeskMetrics).registry.getSingleMetric('desk_commands_shed_total');
    return (await metric!.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;
  };
  const open = (id: string, headers: Record<string, string> = {}) =>
    desk.call('POST', '/requests', { as: agent(), body: body(id), headers });
  const streamsInLog = async () => new Set((await readWholeLog(inner)).map((event) => event.streamId));

  /** One command held in its append (the one place taken), then `queued` more waiting behind it. */
  async function fillUp(prefix: string, queued: number, headers: Record<string, string> = {}): Promise<Promise<HttpAnswer>[]> {
    appends.hold();
    const answers = [open(`${prefix}-in-flight`)];
    await until(() => appends.appendsHeld === 1, 'the first command reaching the store');
    for (let n = 0; n < queued; n++) answers.push(open(`${prefix}-queued-${n}`, headers));
    await until(async () => (await gauge('desk_commands_queued')) === queued, `${queued} commands waiting`);
    return answers;
  }

  it('answers a command beyond the bound 503 with Retry-After at once, records nothing of it, and the ones it held are recorded', async () => {
    const held = await fillUp('bound', 2);
    const refusedBefore = await shed('queue_full');

    const refused = await open('bound-refused');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      type: '/problems/service-unavailable',
      title: 'Service unavailable',
      status: 503,
      detail: expect.stringMatching(/deciding 1 commands and 2 more wait, as many as may; nothing was recorded/),
      instance: '/requests',
    });
    expect(await shed('queue_full')).toBe(refusedBefore + 1);
    // Queries are not commands: they are answered while the commands wait.
    expect((await desk.call('GET', '/health/live', { as: null })).status).toBe(200);

    appends.release();
    const answers = await Promise.all(held);
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
    const streams = await streamsInLog();
    for (const id of ['bound-in-flight', 'bound-queued-0', 'bound-queued-1']) expect(streams).toContain(`request-${id}`);
    expect(streams).not.toContain('request-bound-refused');
    expect(await gauge('desk_commands_in_flight')).toBe(0);
    // Refused, not broken: the same command sent again is recorded.
    expect((await open('bound-refused')).status).toBe(201);
  });

  it('never appends a command whose client disconnected while it waited, and gives its place to the next one', async () => {
    const held = await fillUp('gone', 1);
    const goneBefore = await shed('client_gone');
    // Over a socket of its own, to be cut: the desk's stop closes the server.
    await desk.app.listen(0, '127.0.0.1');
    const { port } = desk.app.getHttpServer().address() as { port: number };
    const payload = JSON.stringify(body('gone-disconnected'));
    const client = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/requests',
      headers: {
        authorization: `Bearer ${desk.token(agent().sub, 'agent')}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      },
    });
    client.on('error', () => undefined);
    client.end(payload);
    await until(async () => (await gauge('desk_commands_queued')) === 2, 'the disconnecting client waiting');
    client.destroy();
    await until(async () => (await shed('client_gone')) === goneBefore + 1, 'the disconnected command leaving the queue');
    expect(await gauge('desk_commands_queued')).toBe(1);
    // Its place is free: one more may wait where the bound (two) would otherwise have refused it.
    held.push(open('gone-after'));
    await until(async () => (await gauge('desk_commands_queued')) === 2, 'the next command waiting');

    appends.release();
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([201, 201, 201]);
    const streams = await streamsInLog();
    expect(streams).toContain('request-gone-after');
    expect(streams).not.toContain('request-gone-disconnected');
  });

  it('refuses a command whose Request-Timeout-Ms passed while it waited before deciding it, and records nothing of it', async () => {
    const held = await fillUp('late', 0);
    // A command the desk would refuse if it decided it (no such request: 404): a 503 shows it was never decided.
    const late = desk.call('POST', '/requests/no-such-request/start', { as: agent(), body: {}, headers: { 'request-timeout-ms': '50' } });
    const lateOpen = open('late-open', { 'request-timeout-ms': '50' });
    await until(async () => (await gauge('desk_commands_queued')) === 2, 'the late commands waiting');
    await new Promise((resolve) => setTimeout(resolve, 80));
    const deadlinesBefore = await shed('deadline_passed');
    appends.release();

    for (const answer of [await late, await lateOpen]) {
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.body.detail).toMatch(
        /not reached within 50 ms of its arrival \(its Request-Timeout-Ms deadline\); nothing was recorded/,
      );
    }
    expect(await shed('deadline_passed')).toBe(deadlinesBefore + 2);
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([201]);
    expect(await streamsInLog()).not.toContain('request-late-open');
    // A timeout it meets is no refusal.
    expect((await open('late-in-time', { 'request-timeout-ms': '5000' })).status).toBe(201);
  });

  it('refuses a Request-Timeout-Ms that is not a number of milliseconds, recording nothing', async () => {
    for (const value of ['0', '-5', 'soon', '1.5', '99999999']) {
      const answer = await open(`bad-timeout-${value.replace(/\W/g, '')}`, { 'request-timeout-ms': value });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([{ field: 'Request-Timeout-Ms', message: 'not a number of milliseconds from 1 to 3600000' }]);
    }
    expect([...(await streamsInLog())].filter((stream) => stream.startsWith('request-bad-timeout'))).toEqual([]);
  });

  it('records every command it acknowledged and none it refused, in a burst thirty times the bound', async () => {
    appends.hold();
    const ids = Array.from({ length: 90 }, (_, n) => `burst-${n}`);
    const answers = ids.map((id) => open(id));
    await until(() => appends.appendsHeld === 1, 'the burst reaching the store');
    appends.release();
    const settled = await Promise.all(answers);
    const acknowledged = ids.filter((_, n) => settled[n].status === 201);
    const refused = ids.filter((_, n) => settled[n].status === 503);
    expect(acknowledged.length + refused.length).toBe(ids.length);
    expect(acknowledged.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThan(0);
    const streams = await streamsInLog();
    for (const id of acknowledged) expect(streams).toContain(`request-${id}`);
    for (const id of refused) expect(streams).not.toContain(`request-${id}`);
  });
});
