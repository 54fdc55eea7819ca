import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.dataDir).toMatch(/data$/);
    expect(config.eventStoreUrl).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.authSecret).toBeUndefined();
    expect(config.runProjections).toBe(true);
    expect(config.slaWatchIntervalMs).toBe(10_000);
  });

  it('lets a query-only replica leave the projections to a projector', () => {
    expect(loadConfig({ RUN_PROJECTIONS: 'false' }).runProjections).toBe(false);
    expect(loadConfig({ RUN_PROJECTIONS: 'TRUE' }).runProjections).toBe(true);
  });

  it('runs the projections on a worker thread unless PROJECTIONS_IN says the request loop', () => {
    expect(loadConfig({}).projectionsIn).toBe('worker');
    expect(loadConfig({ PROJECTIONS_IN: 'loop' }).projectionsIn).toBe('loop');
    expect(loadConfig({ PROJECTIONS_IN: 'Worker' }).projectionsIn).toBe('worker');
  });

  it.each([
    ['PORT', 'abc', /PORT must be an integer/],
    ['PORT', '70000', /PORT must be between/],
    ['PORT', '-1', /PORT must be an integer/],
    ['EVENTSTORE_URL', 'not a url', /EVENTSTORE_URL must be a URL/],
    ['EVENTSTORE_URL', 'http://localhost:2113', /EVENTSTORE_URL must use/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must use/],
    ['AUTH_SECRET', 'short', /AUTH_SECRET must be at least 32 bytes/],
    ['BODY_LIMIT_BYTES', '12', /BODY_LIMIT_BYTES must be between/],
    ['RUN_PROJECTIONS', 'maybe', /RUN_PROJECTIONS must be true or false/],
    ['PROJECTIONS_IN', 'process', /PROJECTIONS_IN must be one of worker, loop, got 'process'/],
    ['SLA_WATCH_INTERVAL_MS', '5', /SLA_WATCH_INTERVAL_MS must be between/],
    ['PROJECTION_BATCH_SIZE', '0', /PROJECTION_BATCH_SIZE must be between/],
    ['AUTH_PUBLIC_KEY', 'not a key', /AUTH_PUBLIC_KEY must be a PEM public key/],
    ['AUTH_PUBLIC_KEY_FILE', '/nonexistent/key.pem', /AUTH_PUBLIC_KEY_FILE cannot be read/],
    ['CORS_ORIGINS', 'desk.example.com', /CORS_ORIGINS must be '\*' or a comma-separated list of origins/],
    ['CORS_ORIGINS', 'https://desk.example.com/app', /is not an origin/],
    ['RATE_LIMIT_PER_MINUTE', '-5', /RATE_LIMIT_PER_MINUTE must be an integer/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of debug, info, warn, error/],
    ['REQUEST_TIMEOUT_MS', '0', /REQUEST_TIMEOUT_MS must be between 1000/],
    ['HEADERS_TIMEOUT_MS', '40000', /HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS \(30000\)/],
    ['MAX_CONNECTIONS', '0', /MAX_CONNECTIONS must be between 1/],
    ['AUTH_MAX_TOKEN_LIFETIME_S', '1d', /AUTH_MAX_TOKEN_LIFETIME_S must be an integer/],
    ['TRUST_PROXY', 'true', /TRUST_PROXY must list the proxies' addresses/],
    ['TRUST_PROXY', '*', /TRUST_PROXY must list/],
    ['TRUST_PROXY', '10.0.0.0/33', /TRUST_PROXY must list/],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('takes a public key to verify tokens, but not together with a secret', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(loadConfig({ AUTH_PUBLIC_KEY: pem, AUTH_AUDIENCE: 'desk', AUTH_ISSUER: 'https://id' })).toMatchObject({
      authPublicKey: pem.trim(),
      authAudience: 'desk',
      authIssuer: 'https://id',
    });
    expect(() => loadConfig({ AUTH_PUBLIC_KEY: pem, AUTH_SECRET: 'x'.repeat(40) })).toThrow(/cannot be set together with AUTH_SECRET/);
  });

  it('reads CORS origins and the rate limit', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example.com, http://localhost:5173' }).corsOrigins).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
  });

  it('queries the embedded read models on the API thread unless told to use workers (100 queries waiting at most)', () => {
    expect(loadConfig({}).embeddedReader).toEqual({ workers: 0, maxQueued: 100, workerHeapMb: 64 });
    expect(loadConfig({ READ_WORKERS: '0', READ_QUEUE_MAX: '0', READ_WORKER_HEAP_MB: '256' }).embeddedReader).toEqual({
      workers: 0,
      maxQueued: 0,
      workerHeapMb: 256,
    });
    expect(() => loadConfig({ READ_WORKERS: '-1' })).toThrow(/READ_WORKERS/);
    expect(() => loadConfig({ READ_WORKER_HEAP_MB: '8' })).toThrow(/READ_WORKER_HEAP_MB/);
  });

  it('holds 64 commands in flight, 256 waiting and a 10 s deadline unless told otherwise, and refuses a limit of no command', () => {
    expect(loadConfig({}).commandLimits).toEqual({ maxInFlight: 64, maxQueued: 256, deadlineMs: 10_000 });
    expect(loadConfig({ COMMANDS_MAX_IN_FLIGHT: '8', COMMANDS_QUEUE_MAX: '0', COMMAND_DEADLINE_MS: '2500' }).commandLimits).toEqual({
      maxInFlight: 8,
      maxQueued: 0,
      deadlineMs: 2500,
    });
    expect(() => loadConfig({ COMMANDS_MAX_IN_FLIGHT: '0' })).toThrow(/COMMANDS_MAX_IN_FLIGHT must be between 1/);
    expect(() => loadConfig({ COMMANDS_QUEUE_MAX: 'many' })).toThrow(/COMMANDS_QUEUE_MAX must be an integer/);
    expect(() => loadConfig({ COMMAND_DEADLINE_MS: '0' })).toThrow(/COMMAND_DEADLINE_MS/);
  });

  it('bounds the time a request may take to arrive and the connections open, and trusts no proxy, by default', () => {
    expect(loadConfig({})).toMatchObject({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      connectionTimeoutMs: 120_000,
      maxConnections: 1000,
      trustProxy: [],
    });
    // A request timeout under the default headers timeout takes the headers' too.
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '5000' })).toMatchObject({ requestTimeoutMs: 5000, headersTimeoutMs: 5000 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16, ::1, loopback' }).trustProxy).toEqual([
      '10.0.0.1',
      '10.1.0.0/16',
      '::1',
      'loopback',
    ]);
  });

  it('bounds GET /changes: keep-alives below the connection timeout, streams below the connections, five per subject', () => {
    expect(loadConfig({})).toMatchObject({
      changesKeepAliveMs: 15_000,
      changesStreamsPerSubject: 5,
      changesStreamsMax: 500,
      changesPollMs: 250,
    });
    // A shorter connection timeout takes a keep-alive at half of it; fewer connections, streams at half of them.
    expect(loadConfig({ CONNECTION_TIMEOUT_MS: '10000', MAX_CONNECTIONS: '100' })).toMatchObject({
      changesKeepAliveMs: 5000,
      changesStreamsMax: 50,
    });
    expect(loadConfig({ MAX_CONNECTIONS: '1' }).changesStreamsMax).toBe(0);
    expect(() => loadConfig({ CHANGES_KEEP_ALIVE_MS: '120000' })).toThrow(
      /CHANGES_KEEP_ALIVE_MS must be below CONNECTION_TIMEOUT_MS \(120000\), which closes a stream silent that long; got 120000/,
    );
    expect(() => loadConfig({ CHANGES_STREAMS_MAX: '1000' })).toThrow(/CHANGES_STREAMS_MAX must be below MAX_CONNECTIONS \(1000\)/);
    expect(() => loadConfig({ CHANGES_STREAMS_PER_SUBJECT: '0' })).toThrow(/CHANGES_STREAMS_PER_SUBJECT must be between 1/);
    expect(() => loadConfig({ CHANGES_POLL_MS: '5' })).toThrow(/CHANGES_POLL_MS must be between 10/);
  });

  it('lets tokens live a day by default, or any time with 0', () => {
    expect(loadConfig({}).authMaxTokenLifetimeSeconds).toBe(86_400);
    expect(loadConfig({ AUTH_MAX_TOKEN_LIFETIME_S: '0' }).authMaxTokenLifetimeSeconds).toBe(0);
  });

  it('refuses a generated auth-secret shorter than 32 bytes, naming the file, unless a secret or key is configured', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-config-'));
    try {
      const file = join(dataDir, 'auth-secret');
      writeFileSync(file, 'short\n');
      expect(() => loadConfig({ DATA_DIR: dataDir })).toThrow(ConfigError);
      expect(() => loadConfig({ DATA_DIR: dataDir })).toThrow(`${file} holds 5 bytes; the signing secret must be at least 32`);
      expect(loadConfig({ DATA_DIR: dataDir, AUTH_SECRET: 'x'.repeat(32) }).authSecret).toBe('x'.repeat(32));
      writeFileSync(file, 'x'.repeat(32));
      expect(loadConfig({ DATA_DIR: dataDir }).dataDir).toBe(dataDir);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("takes the desk owner's policies, safe unless told otherwise, and names a bad one", () => {
    expect(loadConfig({}).policies).toEqual({ requesterPriority: 'urgency', compensationMaxPerOffer: { '*': 1000 } });
    expect(loadConfig({ REQUESTER_PRIORITY: 'any', COMPENSATION_MAX_PER_OFFER: 'EUR:200,*:100' }).policies).toEqual({
      requesterPriority: 'any',
      compensationMaxPerOffer: { EUR: 200, '*': 100 },
    });
    expect(() => loadConfig({ REQUESTER_PRIORITY: 'critical' })).toThrow("REQUESTER_PRIORITY must be one of urgency, any, got 'critical'");
    expect(() => loadConfig({ COMPENSATION_MAX_PER_OFFER: 'EUR:lots' })).toThrow(
      "COMPENSATION_MAX_PER_OFFER for EUR must be an amount from 0 to 1000000000 with at most 2 decimals, got 'lots'",
    );
  });

  it('accepts the production URLs', () => {
    const config = loadConfig({
      EVENTSTORE_URL: 'esdb://eventstore:2113?tls=false',
      DATABASE_URL: 'postgres://desk@postgres:5432/desk',
      PORT: '8080',
    });
    expect(config).toMatchObject({ port: 8080, eventStoreUrl: 'esdb://eventstore:2113?tls=false' });
  });
});
