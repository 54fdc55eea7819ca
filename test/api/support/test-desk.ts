import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, type EventStore } from '@desk/event-store';
import { loadConfig, ReadSide, type JsonLog, issueToken, type TokenRole } from '@desk/application';
import { createReadModelStore, type ReadModelStore } from '@desk/read-models';
import { createApp } from '../../../apps/api/src/create-app';
import { readWholeLog } from '../../support/shared-event-stores';
import { manager, type Caller } from '../../support/callers';
import { contractOf, type OpenApiContract } from '../../support/openapi-contract';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of every route, read as JSON.parse types it; specs name the fields they map over
  body: any;
  raw: string;
}

export interface CallOptions {
  /** Who the call is made as: the roster's manager unless given; null for no token. */
  as?: Caller | null;
  body?: unknown;
  /** Sent as is, not JSON-encoded. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A settable clock: specs decide what time it is. */
export class TestClock {
  constructor(public current = new Date('2026-03-02T09:00:00Z')) {}
  now = () => new Date(this.current);
  advanceMinutes(minutes: number) {
    this.current = new Date(this.current.getTime() + minutes * 60_000);
  }
}

/**
 * A whole desk over HTTP on a temporary embedded store (or a store the spec supplies). Every answer `call`
 * receives is held to the desk's own OpenAPI document (GET /openapi.json, read once): an undocumented status,
 * content type or body fails the call, naming the route, the status and what differs.
 */
export class TestDesk {
  private constructor(
    readonly app: NestFastifyApplication,
    private readonly contract: OpenApiContract,
    readonly store: EventStore,
    readonly readModels: ReadModelStore,
    readonly clock: TestClock,
    private readonly dataDir: string,
    private readonly ownsStore: boolean,
  ) {}

  static async start(
    options: { store?: EventStore; readModels?: ReadModelStore; clock?: TestClock; env?: Record<string, string>; log?: JsonLog } = {},
  ): Promise<TestDesk> {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-api-'));
    const config = {
      // Every scrape renders anew: specs scrape right after what they do, and read it there (metrics-scrape.e2e-spec.ts holds the cache).
      ...loadConfig({
        DATA_DIR: dataDir,
        AUTH_SECRET: TEST_SECRET,
        BODY_LIMIT_BYTES: String(64 * 1024),
        METRICS_CACHE_MS: '0',
        ...options.env,
      }),
    };
    const store = options.store ?? (await createEventStore({ dataDir }));
    const readModels = options.readModels ?? (await createReadModelStore({ dataDir }));
    const clock = options.clock ?? new TestClock();
    const app = await createApp({ config, eventStore: store, readModels, clock, log: options.log });
    // From an address of its own: the read must not spend the rate-limit bucket of the specs' calls (127.0.0.1).
    const document = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/openapi.json', remoteAddress: '192.0.2.1' });
    return new TestDesk(app, contractOf(document.body), store, readModels, clock, dataDir, !options.store);
  }

  get readSide(): ReadSide {
    return this.app.get(ReadSide);
  }

  async stop(): Promise<void> {
    if (this.ownsStore) {
      await this.app.close();
    } else {
      // The spec closes the shared stores itself.
      await this.readSide.stop();
      await this.app.getHttpAdapter().getInstance().close();
      await this.readModels.close();
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  token(sub: string, role: TokenRole): string {
    return issueToken(TEST_SECRET, sub, role);
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS', url: string, options: CallOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    const as = options.as === undefined ? manager : options.as;
    if (as) headers.authorization = `Bearer ${this.token(as.sub, as.role)}`;
    let payload: string | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const response = await this.app.getHttpAdapter().getInstance().inject({ method, url, headers, payload });
    this.contract.check({
      headers: response.headers,
      method,
      url,
      status: response.statusCode,
      contentType: String(response.headers['content-type'] ?? ''),
      body: response.body,
    });
    let body: unknown;
    try {
      body = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      body = response.body;
    }
    return { status: response.statusCode, headers: response.headers, body, raw: response.body };
  }

  /** Calls and insists on a status, showing the body when it differs. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answer's JSON, as HttpAnswer.body
  async expect(status: number, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, options: CallOptions = {}): Promise<any> {
    const answer = await this.call(method, url, options);
    if (answer.status !== status) {
      throw new Error(`${method} ${url}: expected ${status}, got ${answer.status}: ${answer.raw}`);
    }
    return answer.body;
  }

  async eventCount(): Promise<number> {
    return (await readWholeLog(this.store)).length;
  }
}

export { agent, analyst, manager, operator, requester, type Caller } from '../../support/callers';
