import { issueToken, loadOrCreateSigningSecret, type AppConfig } from '@desk/application';
import { UsageError } from './args';

/** The desk could not be reached at all: exit status 3. */
export class DeskUnreachableError extends Error {}

/**
 * The running desk the operator commands talk to: --url, else SD_URL, else
 * the PORT of this environment on this machine. Without any of them it is
 * localhost:3000, `npm start`'s, and the CLI says so, since a desk elsewhere
 * would answer a confusing 401 to this desk's token.
 */
export function deskUrl(url: string | undefined, config: AppConfig, env: NodeJS.ProcessEnv = process.env): { base: string; said?: string } {
  const named = url ?? (env.SD_URL || undefined);
  if (named !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(named);
    } catch {
      throw new UsageError(`--url must be the desk's base URL such as http://127.0.0.1:3000, got '${named}'`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url must be http or https, got '${named}'`);
    return { base: named.replace(/\/+$/, '') };
  }
  const base = `http://127.0.0.1:${config.port}`;
  return {
    base,
    said: env.PORT ? undefined : `asking the desk at ${base} (set SD_URL or pass --url for a desk elsewhere)`,
  };
}

export class DeskClient {
  private readonly token: string;

  constructor(
    readonly base: string,
    config: AppConfig,
  ) {
    this.token = process.env.SD_TOKEN || operatorToken(config);
  }

  async call<T>(method: 'GET' | 'POST', path: string): Promise<{ status: number; ok: boolean; body: T; text: string }> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers: { authorization: `Bearer ${this.token}` } });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new DeskUnreachableError(`cannot reach the desk at ${this.base}: ${cause ?? (error as Error).message}`);
    }
    const text = await response.text();
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = text as T;
    }
    return { status: response.status, ok: response.ok, body, text };
  }
}

function operatorToken(config: AppConfig): string {
  if (config.authPublicKey) throw new UsageError('this desk verifies tokens from an identity provider: set SD_TOKEN to an operator token');
  return issueToken(loadOrCreateSigningSecret(config), 'sd-cli', 'operator', '5m', {
    audience: config.authAudience,
    issuer: config.authIssuer,
  });
}

/** What a refusal's problem document says, in one line. */
export function problemLine(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const problem = body as { detail?: string; title?: string };
    return `${status} ${problem.detail ?? problem.title ?? JSON.stringify(body)}`;
  }
  return `${status} ${String(body).slice(0, 200)}`;
}
