import { isAbsolute, resolve } from 'node:path';

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
  /** HS256 signing secret for bearer tokens; unset: generated once into dataDir. */
  authSecret: string | undefined;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** Run the projections and processes in this process (the embedded default); false for query-only replicas beside a projector. */
  runProjections: boolean;
  /** How often the SLA watch looks for targets past due. */
  slaWatchIntervalMs: number;
  /** Most events a projection applies in one transaction while catching up. */
  projectionBatchSize: number;
}

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

export function loadConfig(env: Env = process.env): AppConfig {
  const dataDirRaw = env.DATA_DIR?.trim() || './data';
  const authSecret = env.AUTH_SECRET;
  if (authSecret !== undefined && authSecret !== '' && Buffer.byteLength(authSecret) < 32) {
    throw new ConfigError('AUTH_SECRET', 'must be at least 32 bytes long');
  }
  return {
    port: integer(env, 'PORT', 3000, 1, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(process.cwd(), dataDirRaw),
    eventStoreUrl: url(env, 'EVENTSTORE_URL', ['esdb:', 'esdb+discover:', 'postgres:', 'postgresql:']),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    authSecret: authSecret || undefined,
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    runProjections: boolean(env, 'RUN_PROJECTIONS', true),
    slaWatchIntervalMs: integer(env, 'SLA_WATCH_INTERVAL_MS', 10_000, 100, 3_600_000),
    projectionBatchSize: integer(env, 'PROJECTION_BATCH_SIZE', 1000, 1, 10_000),
  };
}
