import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { issueToken, TOKEN_ROLES } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { collect, exited, freePort, spawnApp, until } from '../support/child-apps';
import { brokenRequestOpened } from '../support/poison-events';

/**
 * The projector serves the API's operations surface on PROJECTOR_PORT: public
 * health probes and metrics, and /admin/projections behind the API's token
 * check (an operator's bearer token, verified as the API verifies it).
 */

interface ProjectionView {
  name: string;
  state: string;
  rebuild?: unknown;
}

/** The JSON answers met here: problem documents, the projections' status, an action's answer. */
interface Body {
  title?: string;
  detail?: string;
  head?: string;
  name?: string;
  rebuild?: unknown;
  projections?: ProjectionView[];
}

interface Answer {
  status: number;
  contentType: string;
  raw: string;
  body: Body;
}

class ProjectorChild {
  private constructor(
    readonly url: string,
    readonly process: ChildProcess,
    readonly stdout: () => string,
    readonly stderr: () => string,
  ) {}

  static async start(dataDir: string, env: Record<string, string> = {}): Promise<ProjectorChild> {
    const port = await freePort();
    const child = spawnApp('projector', {
      DATA_DIR: dataDir,
      PROJECTOR_PORT: String(port),
      HOST: '127.0.0.1',
      // The poison event is all the history there is: no SLA watch pass is wanted.
      SLA_WATCH_INTERVAL_MS: '3600000',
      ...env,
    });
    const projector = new ProjectorChild(`http://127.0.0.1:${port}`, child, collect(child, 'stdout'), collect(child, 'stderr'));
    await until(() => projector.stdout().includes('"projector running"') || child.exitCode !== null, 60_000, 'the projector to run');
    if (child.exitCode !== null) throw new Error(`the projector exited with ${child.exitCode}: ${projector.stderr()}`);
    return projector;
  }

  async call(method: 'GET' | 'POST', path: string, token?: string): Promise<Answer> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(20_000),
    });
    const raw = await response.text();
    let body: Body = {};
    try {
      body = JSON.parse(raw);
    } catch {
      // Metrics are text.
    }
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', raw, body };
  }

  async stop(): Promise<number | null> {
    this.process.kill('SIGTERM');
    return exited(this.process);
  }
}

/** A RequestOpened without its data, written past the domain: both read models that read it fault on it. */
async function writePoisonEvent(dataDir: string): Promise<bigint> {
  const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  try {
    const { position } = await store.appendToStream('request-broken', [brokenRequestOpened()]);
    return position;
  } finally {
    await store.close();
  }
}

/** The value of one series in a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const [, labelText = '', value] = /^[^{ ]+\{(.*)\} (\S+)$/.exec(line) ?? [];
    if (Object.entries(labels).every(([key, v]) => labelText.includes(`${key}="${v}"`))) return Number(value);
  }
  return undefined;
}

const ADMIN_ROUTES: ['GET' | 'POST', string][] = [
  ['GET', '/admin/projections'],
  ['POST', '/admin/projections/request-summaries/skip'],
  ['POST', '/admin/projections/impact-chain/retry'],
  ['POST', '/admin/projections/impact-chain/rebuild'],
];

describe('the projector over HTTP, with the secret its data folder holds', () => {
  let dataDir: string;
  let projector: ProjectorChild;
  let operator: string;
  let poisonPosition: bigint;

  const states = async () => {
    const { body } = await projector.call('GET', '/admin/projections', operator);
    return Object.fromEntries((body.projections ?? []).map(({ name, state }) => [name, state]));
  };
  const bothFaulted = async () => {
    const now = await states();
    return now['request-summaries'] === 'faulted' && now['impact-chain'] === 'faulted';
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-projector-http-'));
    poisonPosition = await writePoisonEvent(dataDir);
    // No AUTH_SECRET: the projector reads (here, generates) the secret file the API of this data folder uses.
    projector = await ProjectorChild.start(dataDir);
    operator = issueToken(readFileSync(join(dataDir, 'auth-secret'), 'utf8').trim(), 'olivia', 'operator');
    await until(bothFaulted, 30_000, 'both read models to stop at the poison event');
  }, 90_000);

  afterAll(async () => {
    projector?.process.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the health probes and the metrics without a token, as the API does', async () => {
    expect(await projector.call('GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await projector.call('GET', '/health/ready');
    expect(ready).toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        checks: {
          eventStore: 'ok',
          readModels: 'ok',
          projections: { 'request-summaries': 'faulted', 'impact-chain': 'faulted', 'satisfaction-follow-up': 'running' },
        },
      },
    });

    const metrics = await projector.call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(metrics.raw, 'desk_projection_state', { projection: 'request-summaries', state: 'faulted', service: 'projector' })).toBe(
      1,
    );
    expect(sample(metrics.raw, 'desk_projection_checkpoint', { projection: 'satisfaction-follow-up' })).toBe(Number(poisonPosition));
    expect(
      sample(metrics.raw, 'desk_http_request_duration_seconds_count', { method: 'GET', route: '/health/ready', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(metrics.raw, 'desk_process_resident_memory_bytes', { service: 'projector' })).toBeGreaterThan(0);
  });

  it('refuses /admin/projections and its actions without a valid token (401) and to every role but operator (403), changing nothing', async () => {
    const strangers = [issueToken('another-desk-secret-that-is-long-enough-for-hs256', 'olivia', 'operator'), 'not-a-token'];
    for (const [method, path] of ADMIN_ROUTES) {
      const anonymous = await projector.call(method, path);
      expect([anonymous.status, anonymous.contentType]).toEqual([401, 'application/problem+json; charset=utf-8']);
      expect(anonymous.body).toEqual({
        type: '/problems/not-authenticated',
        title: 'Not authenticated',
        status: 401,
        detail: 'no bearer token: send Authorization: Bearer <token>',
        instance: path,
        correlationId: expect.any(String),
      });
      for (const token of strangers) expect((await projector.call(method, path, token)).status).toBe(401);
      for (const role of TOKEN_ROLES.filter((candidate) => candidate !== 'operator')) {
        const token = issueToken(readFileSync(join(dataDir, 'auth-secret'), 'utf8').trim(), `someone-${role}`, role);
        const refused = await projector.call(method, path, token);
        expect([refused.status, refused.body.title, refused.body.detail]).toEqual([
          403,
          'Not allowed',
          `the role ${role} may not do this; allowed: operator`,
        ]);
      }
    }
    const { body } = await projector.call('GET', '/admin/projections', operator);
    expect(body.projections?.map((projection) => [projection.name, projection.state, projection.rebuild ?? null])).toEqual([
      ['request-summaries', 'faulted', null],
      ['impact-chain', 'faulted', null],
      ['directory', 'running', null],
      ['request-search', 'faulted', null],
      ['workload-facts', 'faulted', null],
      ['satisfaction-follow-up', 'running', null],
    ]);
  });

  it('lets an operator list the projections, retry and skip the poison event, and rebuild a read model', async () => {
    const listed = await projector.call('GET', '/admin/projections', operator);
    expect(listed.status).toBe(200);
    expect(listed.body.head).toBe(String(poisonPosition));
    expect(listed.body.projections?.[0]).toMatchObject({
      name: 'request-summaries',
      state: 'faulted',
      checkpoint: String(poisonPosition - 1n),
      lag: '1',
      fault: { position: String(poisonPosition), eventType: 'RequestOpened', streamId: 'request-broken' },
    });

    const retried = await projector.call('POST', '/admin/projections/impact-chain/retry', operator);
    expect([retried.status, retried.body.name]).toEqual([200, 'impact-chain']);
    // The event is as poisonous as before: the retry faults again.
    await until(bothFaulted, 30_000, 'impact-chain to fault again on the retried event');
    // Every projection that reads the poison's type stopped at it: each is skipped past it.
    for (const name of ['request-summaries', 'impact-chain', 'request-search', 'workload-facts']) {
      const skipped = await projector.call('POST', `/admin/projections/${name}/skip`, operator);
      expect(skipped.status).toBe(200);
      expect(skipped.body).toMatchObject({ name, skipped: [{ position: String(poisonPosition), streamId: 'request-broken' }] });
    }
    await until(async () => Object.values(await states()).every((state) => state === 'running'), 30_000, 'every projection to run');

    const rebuilding = await projector.call('POST', '/admin/projections/impact-chain/rebuild', operator);
    expect([rebuilding.status, rebuilding.body.name]).toEqual([202, 'impact-chain']);
    expect(rebuilding.body.rebuild).toBeDefined();

    const refusals = await Promise.all([
      projector.call('POST', '/admin/projections/request-summaries/retry', operator),
      projector.call('POST', '/admin/projections/nothing/skip', operator),
      projector.call('POST', '/admin/projections/satisfaction-follow-up/rebuild', operator),
      projector.call('GET', '/no/such/route', operator),
    ]);
    expect(refusals.map(({ status, contentType, body }) => [status, contentType, body.title])).toEqual([
      [409, 'application/problem+json; charset=utf-8', 'Conflict'],
      [404, 'application/problem+json; charset=utf-8', 'Not found'],
      [409, 'application/problem+json; charset=utf-8', 'Conflict'],
      [404, 'application/problem+json; charset=utf-8', 'Not found'],
    ]);
  });

  it('stops on SIGTERM with its HTTP connections still open, and says so last', async () => {
    expect(await projector.stop()).toBe(0);
    const lines = projector
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ level: 'info', service: 'projector', msg: 'projector stopped' });
    expect(projector.stderr()).toBe('');
  });
});

describe('the projector over HTTP, with an identity provider’s public key, audience and issuer', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const claims = { audience: 'service-desk', issuer: 'https://id.example.com' };
  const signed = (role: string, overrides: jwt.SignOptions = {}) =>
    jwt.sign({ role }, privateKey, { algorithm: 'RS256', subject: 'olivia', expiresIn: '1h', ...claims, ...overrides });
  let dataDir: string;
  let projector: ProjectorChild;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-projector-idp-'));
    projector = await ProjectorChild.start(dataDir, {
      AUTH_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      AUTH_AUDIENCE: claims.audience,
      AUTH_ISSUER: claims.issuer,
    });
  }, 90_000);

  afterAll(async () => {
    projector?.process.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts an operator token the provider signed for this audience and issuer, and nothing else', async () => {
    expect((await projector.call('GET', '/admin/projections', signed('operator'))).status).toBe(200);
    expect((await projector.call('POST', '/admin/projections/request-summaries/rebuild', signed('operator'))).status).toBe(202);
    for (const bad of [
      issueToken('a-secret-that-is-long-enough-for-hs256-signing', 'olivia', 'operator'),
      signed('operator', { audience: 'another-app' }),
      signed('operator', { issuer: 'https://elsewhere' }),
      signed('operator', { expiresIn: -10 }),
    ]) {
      expect((await projector.call('GET', '/admin/projections', bad)).status).toBe(401);
    }
    expect((await projector.call('POST', '/admin/projections/impact-chain/rebuild', signed('manager'))).status).toBe(403);
    expect((await projector.call('GET', '/health/ready')).status).toBe(200);
    expect(await projector.stop()).toBe(0);
  });
});
