/** The soak's HTTP calls, timed and tallied: any answer but a 2xx, a network error or a timeout is a failure. */

const REQUEST_TIMEOUT_MS = 10_000;

export interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

export class Tally {
  readonly latencies: number[] = [];
  readonly failures = new Map<string, number>();
  readonly samples: string[] = [];
  /** Seconds into the load of the failures, by the second. */
  readonly failedAt = new Map<number, number>();
  total = 0;
  failed = 0;

  /** `clock`: seconds into the load. */
  constructor(private readonly clock: () => number) {}

  fail(what: string, detail: string): void {
    this.failed++;
    const seen = (this.failures.get(what) ?? 0) + 1;
    this.failures.set(what, seen);
    const at = Math.floor(this.clock());
    this.failedAt.set(at, (this.failedAt.get(at) ?? 0) + 1);
    // The first two of each kind, so that rare kinds are shown beside frequent ones.
    if (seen <= 2 && this.samples.length < 40) this.samples.push(`at ${at} s, ${what}: ${detail.slice(0, 300)}`);
  }
}

/**
 * One request; a failure (anything but a 2xx, a network error, a timeout) is counted in `tally` under `route` and
 * returned as undefined.
 */
export async function send(
  tally: Tally,
  url: string,
  route: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer | undefined> {
  const started = performance.now();
  tally.total++;
  try {
    const answer = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await answer.text();
    const ms = performance.now() - started;
    tally.latencies.push(ms);
    if (answer.status < 200 || answer.status >= 300) {
      tally.fail(`${method} ${route} → ${answer.status}`, `${path}: ${text}`);
      return undefined;
    }
    const type = answer.headers.get('content-type') ?? '';
    return { status: answer.status, body: type.includes('application/json') ? JSON.parse(text) : text, ms };
  } catch (error) {
    const name = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network error';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    tally.fail(
      `${method} ${route} → ${name}`,
      `${path}: ${(error as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`,
    );
    return undefined;
  }
}
