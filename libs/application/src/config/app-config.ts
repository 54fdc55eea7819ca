import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_DESK_POLICIES, parseCompensationMaxPerOffer, REQUESTER_PRIORITY_POLICIES, type DeskPolicies } from '@desk/domain';
import { EMBEDDED_READER_DEFAULTS, type EmbeddedReaderOptions } from '@desk/read-models';
import { COMMAND_LIMIT_DEFAULTS, type CommandLimits } from '../commands/command-limiter';
import { LOG_LEVELS, type LogLevel } from '../observability/json-log';
import type { MetricsScrapeOptions } from '../observability/metrics-scrape';

/** Configuration read once from the environment at start-up; a bad value stops the process naming the variable. */
export interface AppConfig {
  port: number;
  host: string;
  /** Folder of the embedded stores and the generated signing secret. */
  dataDir: string;
  /** esdb://… for EventStoreDB, postgres://… to keep events in PostgreSQL; unset: embedded store in dataDir. */
  eventStoreUrl: string | undefined;
  /** PostgreSQL for read models; unset: embedded read models in dataDir. */
  databaseUrl: string | undefined;
  /** HS256 signing secret for bearer tokens; unset (and no public key): generated once into dataDir. */
  authSecret: string | undefined;
  /** PEM public key (RSA or EC) that verifies RS256/ES256… tokens issued elsewhere, instead of a shared secret. */
  authPublicKey: string | undefined;
  /** When set, tokens must carry this `aud`. */
  authAudience: string | undefined;
  /** When set, tokens must carry this `iss`. */
  authIssuer: string | undefined;
  /** Longest a token may live (exp − iat); tokens without exp are refused. 0: any lifetime, exp optional. */
  authMaxTokenLifetimeSeconds: number;
  /** Origins allowed to call the API from a browser; empty: CORS off. '*' allows any. */
  corsOrigins: string[];
  /** Requests per minute per token subject (per address without a token); 0: no limit. */
  rateLimitPerMinute: number;
  /** debug, info, warn or error. */
  logLevel: LogLevel;
  /** The projector's port for /metrics and /health/*; 0: none. */
  projectorPort: number;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** Longest a request may take to arrive, headers and body; a client still sending then gets a 408 and its connection closed. */
  requestTimeoutMs: number;
  /** Longest the headers of a request may take to arrive (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** Longest a connection may be silent (no byte either way) before it is closed; above the longest read-your-writes wait. */
  connectionTimeoutMs: number;
  /** Most connections open at once; those beyond it are closed on arrival, so slow clients cannot exhaust file descriptors. */
  maxConnections: number;
  /** Addresses (or CIDR ranges, or loopback / linklocal / uniquelocal) of the proxies whose X-Forwarded-For is believed; empty: none. */
  trustProxy: string[];
  /** Commands of HTTP clients decided at once, waiting for a place, and the longest wait from arrival to decision. */
  commandLimits: CommandLimits;
  /** Run the projections and processes in this process (the embedded default); false for query-only replicas beside a projector. */
  runProjections: boolean;
  /** The desk owner's rules (REQUESTER_PRIORITY, COMPENSATION_MAX_PER_OFFER): every replica that takes commands must be given the same. */
  policies: DeskPolicies;
  /**
   * Where a process that runs the projections runs them: on a worker thread of its own (the default), so that they
   * never take the request loop's time, or in the request loop itself.
   */
  projectionsIn: ProjectionsIn;
  /** How often the SLA watch looks for targets past due. */
  slaWatchIntervalMs: number;
  /** How long identical live queue and workload queries share one answer; 0: never. */
  readCacheMs: number;
  /** The embedded read models' query workers, the queries that may wait for one, and each one's heap. */
  embeddedReader: Required<EmbeddedReaderOptions>;
  /** Most events a projection applies in one transaction while catching up. */
  projectionBatchSize: number;
  /** GET /changes: how often an idle stream gets a keep-alive comment (below connectionTimeoutMs, which would close it). */
  changesKeepAliveMs: number;
  /** GET /changes: most streams one token subject may hold open at once; beyond it a 429. */
  changesStreamsPerSubject: number;
  /** GET /changes: most streams open at once in this process (below maxConnections, so commands keep connections; 0: none); beyond it a 429. */
  changesStreamsMax: number;
  /** GET /changes on a query-only replica: how often the request-summaries checkpoint is looked at, once for all streams. */
  changesPollMs: number;
  /** GET /metrics: the bearer token it asks for (none: open) and how long one rendering answers every scrape. */
  metrics: MetricsScrapeOptions;
}

/** Where the projections, the SLA watch and the follow-up run in a process that runs them (PROJECTIONS_IN). */
export const PROJECTIONS_IN = ['worker', 'loop'] as const;
export type ProjectionsIn = (typeof PROJECTIONS_IN)[number];

/** Long enough that it cannot be guessed, as the generated auth-secret is. */
const MIN_METRICS_TOKEN_LENGTH = 32;

/** How long a request may take to arrive and how many connections may be open, unless configured otherwise. */
export const HTTP_LIMIT_DEFAULTS = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  // Above the longest read-your-writes wait a query may ask for (30 s), so a waiting answer is never cut, and above
  // fastify's keep-alive timeout (72 s, itself above the 60 s idle timeout of common load balancers), so an idle
  // kept-alive connection is still closed by the keep-alive timer, never first by this one.
  connectionTimeoutMs: 120_000,
  maxConnections: 1000,
} as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer, got '${raw}'`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    throw new ConfigError(name, `must be a URL (${protocols.map((p) => p + '//…').join(' or ')}), got '${raw}'`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got '${parsed.protocol}'`);
  }
  return raw.trim();
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got '${env[name]}'`);
}

function publicKey(env: Env): string | undefined {
  let pem = env.AUTH_PUBLIC_KEY?.trim() || undefined;
  let name = 'AUTH_PUBLIC_KEY';
  const file = env.AUTH_PUBLIC_KEY_FILE?.trim();
  if (file) {
    if (pem) throw new ConfigError('AUTH_PUBLIC_KEY_FILE', 'cannot be set together with AUTH_PUBLIC_KEY');
    name = 'AUTH_PUBLIC_KEY_FILE';
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(name, `cannot be read: ${(error as Error).message}`);
    }
  }
  if (!pem) return undefined;
  try {
    const type = createPublicKey(pem).asymmetricKeyType;
    if (type !== 'rsa' && type !== 'ec') throw new Error(`a ${type} key; expected RSA or EC`);
  } catch (error) {
    throw new ConfigError(name, `must be a PEM public key (RSA or EC): ${(error as Error).message}`);
  }
  return pem;
}

/**
 * The secret the embedded default generated into the data folder, when there is one: a file emptied or cut short
 * (a bad restore, a full disk) would sign tokens with a guessable key, so it stops start-up instead, naming it.
 */
function checkGeneratedSecret(file: string): void {
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ConfigError(file, `cannot be read: ${(error as Error).message}`);
  }
  if (Buffer.byteLength(secret) < 32) {
    throw new ConfigError(
      file,
      `holds ${Buffer.byteLength(secret)} bytes; the signing secret must be at least 32 (delete the file to have a new one generated, which ends every token issued so far, or set AUTH_SECRET)`,
    );
  }
}

const NAMED_PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function proxies(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  const list = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of list) {
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address);
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (NAMED_PROXY_RANGES.includes(entry)) continue;
    if (family === 0 || !validBits || rest.length > 0) {
      // 'true' or '*' would let any client choose the address its rate limit is counted under.
      throw new ConfigError(
        name,
        `must list the proxies' addresses or CIDR ranges (or ${NAMED_PROXY_RANGES.join(', ')}), comma-separated; got '${entry}'`,
      );
    }
  }
  return list;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${values.join(', ')}, got '${env[name]}'`);
  return raw as T;
}

function compensationLimits(env: Env, name: string): DeskPolicies['compensationMaxPerOffer'] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return DEFAULT_DESK_POLICIES.compensationMaxPerOffer;
  try {
    return parseCompensationMaxPerOffer(raw);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
}

function text(env: Env, name: string, max: number): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (raw.length > max) throw new ConfigError(name, `must be at most ${max} characters`);
  return raw;
}

function origins(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  const list = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of list) {
    if (origin === '*') continue;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(name, `must be '*' or a comma-separated list of origins such as https://desk.example.com, got '${origin}'`);
    }
    if (parsed.origin !== origin)
      throw new ConfigError(name, `'${origin}' is not an origin (scheme://host[:port], no path), did you mean '${parsed.origin}'?`);
  }
  return list;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const dataDirRaw = env.DATA_DIR?.trim() || './data';
  const authSecret = env.AUTH_SECRET;
  if (authSecret !== undefined && authSecret !== '' && Buffer.byteLength(authSecret) < 32) {
    throw new ConfigError('AUTH_SECRET', 'must be at least 32 bytes long');
  }
  const authPublicKey = publicKey(env);
  if (authPublicKey && authSecret) {
    throw new ConfigError('AUTH_PUBLIC_KEY', 'cannot be set together with AUTH_SECRET: tokens are verified with one or the other');
  }
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(process.cwd(), dataDirRaw);
  if (!authSecret && !authPublicKey) checkGeneratedSecret(join(dataDir, 'auth-secret'));
  const requestTimeoutMs = integer(env, 'REQUEST_TIMEOUT_MS', HTTP_LIMIT_DEFAULTS.requestTimeoutMs, 1000, 3_600_000);
  const headersTimeoutMs = integer(
    env,
    'HEADERS_TIMEOUT_MS',
    Math.min(HTTP_LIMIT_DEFAULTS.headersTimeoutMs, requestTimeoutMs),
    1000,
    3_600_000,
  );
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('HEADERS_TIMEOUT_MS', `must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs}), got ${headersTimeoutMs}`);
  }
  const connectionTimeoutMs = integer(env, 'CONNECTION_TIMEOUT_MS', HTTP_LIMIT_DEFAULTS.connectionTimeoutMs, 1000, 3_600_000);
  const maxConnections = integer(env, 'MAX_CONNECTIONS', HTTP_LIMIT_DEFAULTS.maxConnections, 1, 1_000_000);
  const changesKeepAliveMs = integer(env, 'CHANGES_KEEP_ALIVE_MS', Math.min(15_000, Math.floor(connectionTimeoutMs / 2)), 100, 3_600_000);
  if (changesKeepAliveMs >= connectionTimeoutMs) {
    throw new ConfigError(
      'CHANGES_KEEP_ALIVE_MS',
      `must be below CONNECTION_TIMEOUT_MS (${connectionTimeoutMs}), which closes a stream silent that long; got ${changesKeepAliveMs}`,
    );
  }
  const changesStreamsMax = integer(env, 'CHANGES_STREAMS_MAX', Math.floor(maxConnections / 2), 0, 1_000_000);
  if (changesStreamsMax >= maxConnections) {
    throw new ConfigError(
      'CHANGES_STREAMS_MAX',
      `must be below MAX_CONNECTIONS (${maxConnections}), or streams would take every connection commands need; got ${changesStreamsMax}`,
    );
  }
  return {
    port: integer(env, 'PORT', 3000, 1, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir,
    eventStoreUrl: url(env, 'EVENTSTORE_URL', ['esdb:', 'esdb+discover:', 'postgres:', 'postgresql:']),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    authSecret: authSecret || undefined,
    authPublicKey,
    authAudience: text(env, 'AUTH_AUDIENCE', 256),
    authIssuer: text(env, 'AUTH_ISSUER', 256),
    authMaxTokenLifetimeSeconds: integer(env, 'AUTH_MAX_TOKEN_LIFETIME_S', 24 * 3600, 0, 366 * 24 * 3600),
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 6000, 0, 10_000_000),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    projectorPort: integer(env, 'PROJECTOR_PORT', 3001, 0, 65535),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    requestTimeoutMs,
    headersTimeoutMs,
    connectionTimeoutMs,
    maxConnections,
    trustProxy: proxies(env, 'TRUST_PROXY'),
    commandLimits: {
      maxInFlight: integer(env, 'COMMANDS_MAX_IN_FLIGHT', COMMAND_LIMIT_DEFAULTS.maxInFlight, 1, 100_000),
      maxQueued: integer(env, 'COMMANDS_QUEUE_MAX', COMMAND_LIMIT_DEFAULTS.maxQueued, 0, 1_000_000),
      deadlineMs: integer(env, 'COMMAND_DEADLINE_MS', COMMAND_LIMIT_DEFAULTS.deadlineMs, 1, 3_600_000),
    },
    runProjections: boolean(env, 'RUN_PROJECTIONS', true),
    policies: {
      requesterPriority: oneOf(env, 'REQUESTER_PRIORITY', REQUESTER_PRIORITY_POLICIES, DEFAULT_DESK_POLICIES.requesterPriority),
      compensationMaxPerOffer: compensationLimits(env, 'COMPENSATION_MAX_PER_OFFER'),
    },
    projectionsIn: oneOf(env, 'PROJECTIONS_IN', PROJECTIONS_IN, 'worker'),
    slaWatchIntervalMs: integer(env, 'SLA_WATCH_INTERVAL_MS', 10_000, 100, 3_600_000),
    readCacheMs: integer(env, 'READ_CACHE_MS', 250, 0, 60_000),
    embeddedReader: {
      workers: integer(env, 'READ_WORKERS', EMBEDDED_READER_DEFAULTS.workers, 0, 64),
      maxQueued: integer(env, 'READ_QUEUE_MAX', EMBEDDED_READER_DEFAULTS.maxQueued, 0, 100_000),
      workerHeapMb: integer(env, 'READ_WORKER_HEAP_MB', EMBEDDED_READER_DEFAULTS.workerHeapMb, 16, 4096),
    },
    projectionBatchSize: integer(env, 'PROJECTION_BATCH_SIZE', 5000, 1, 10_000),
    changesKeepAliveMs,
    changesStreamsPerSubject: integer(env, 'CHANGES_STREAMS_PER_SUBJECT', 5, 1, 100_000),
    changesStreamsMax,
    changesPollMs: integer(env, 'CHANGES_POLL_MS', 250, 10, 60_000),
    metrics: { token: metricsToken(env, 'METRICS_TOKEN'), cacheMs: integer(env, 'METRICS_CACHE_MS', 1000, 0, 60_000) },
  };
}

function metricsToken(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (raw.length < MIN_METRICS_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(raw)) {
    throw new ConfigError(
      name,
      `must be at least ${MIN_METRICS_TOKEN_LENGTH} visible ASCII characters (a bearer token), got ${raw.length} characters`,
    );
  }
  return raw;
}

/**
 * What a desk process creates from now on (DATA_DIR, the SQLite files with the -wal and -shm files SQLite makes
 * itself, the generated auth-secret) is readable by its owner only: the events hold customers' requests and the
 * secret signs every token. A umask rather than a mode at each creation, so that files SQLite or a later feature
 * creates are covered too. A DATA_DIR that already exists keeps the mode its operator gave it.
 */
export function keepCreatedFilesPrivate(): void {
  process.umask(0o077);
}

/** The configuration, or the process ends with exit status 2 and a line naming the bad variable. */
export function loadConfigOrExit(env: Env = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`configuration error: ${error.message}\n`);
    process.exit(2);
  }
}
