import type { ChildProcess } from 'node:child_process';
import { bearer, operator, type Caller } from './callers';
import { collect, exited, freePort, spawnApp, until } from './child-apps';
import { checked, contractAt, type OpenApiContract } from './openapi-contract';

export const CHILD_SECRET = 'reliability-secret-that-is-long-enough-for-hs256';

/**
 * The API as its own process on an embedded desk in `dataDir`, as `npm start` runs it but from the sources.
 * Its answers to `get` and `post` are held to its own OpenAPI document (read once it is ready), as TestDesk's are.
 */
export class ApiChild {
  /** The API's own document as a contract; `check` answers of calls a spec makes itself against it. */
  contract!: OpenApiContract;

  private constructor(
    readonly url: string,
    readonly process: ChildProcess,
    readonly stderr: () => string,
    /** Its JSON log lines, as LOG_LEVEL says: server errors are logged with their stack, 503s as warnings with their reason. */
    readonly log: () => string,
  ) {}

  /** `port`: where to listen (a free one when not given); an API restarted on the port it had keeps its clients' URLs. */
  static async start(dataDir: string, env: Record<string, string> = {}, options: { port?: number } = {}): Promise<ApiChild> {
    const port = options.port ?? (await freePort());
    const child = spawnApp('api', {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      AUTH_SECRET: CHILD_SECRET,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
      ...env,
    });
    const api = new ApiChild(`http://127.0.0.1:${port}`, child, collect(child, 'stderr'), collect(child, 'stdout'));
    const stderr = api.stderr;
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode} before it was ready: ${stderr()}`);
        return (await api.get('/health/ready').catch(() => ({ status: 0 }))).status === 200;
      },
      60_000,
      'the API to be ready',
    );
    api.contract = await contractAt(api.url);
    return api;
  }

  /** `Body` is the shape the caller relies on in the route's JSON answer. */
  async get<Body>(path: string, as: Caller = operator): Promise<{ status: number; body: Body }> {
    const response = await fetch(`${this.url}${path}`, {
      headers: { authorization: bearer(CHILD_SECRET, as) },
      signal: AbortSignal.timeout(20_000),
    });
    // Before the contract is read (waiting for /health/ready), answers are taken as they come.
    const text = this.contract ? await checked(this.contract, 'GET', path, response) : await response.text();
    return { status: response.status, body: parsed(text) as Body };
  }

  async post(path: string, as: Caller = operator): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { authorization: bearer(CHILD_SECRET, as) },
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: parsed(await checked(this.contract, 'POST', path, response)) };
  }

  /** Waits until every projection runs at the head of the log with no rebuild under way, twice in a row (processes may append). */
  async settled(timeoutMs = 60_000): Promise<void> {
    let stableAt: string | undefined;
    await until(
      async () => {
        const { body } = await this.get<{
          head: string;
          projections: { name: string; state: string; checkpoint: string; rebuild?: unknown; lastError?: unknown }[];
        }>('/admin/projections');
        const { projections } = body;
        const faulted = projections.find((projection) => projection.state === 'faulted');
        if (faulted) throw new Error(`projection ${faulted.name} is faulted: ${JSON.stringify(faulted)}`);
        const atHead = projections.every((p) => p.state === 'running' && p.checkpoint === body.head && !p.rebuild);
        if (!atHead) {
          stableAt = undefined;
          return false;
        }
        if (stableAt === body.head) return true;
        stableAt = body.head;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return false;
      },
      timeoutMs,
      'the projections to settle at the head of the log',
    );
  }

  kill(): Promise<number | null> {
    this.process.kill('SIGKILL');
    return exited(this.process);
  }

  /** A clean shutdown; the exit status (null if a signal ended it after all). */
  stop(signal: 'SIGTERM' | 'SIGINT' = 'SIGTERM'): Promise<number | null> {
    this.process.kill(signal);
    return exited(this.process);
  }
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
