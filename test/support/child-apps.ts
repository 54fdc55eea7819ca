import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The repository root: child processes run the TypeScript sources from here. */
export const ROOT = resolve(__dirname, '../..');

export type AppName = 'api' | 'projector' | 'cli';

/**
 * One of the apps as a real process, compiled on load (test/support/register-ts.js), with only the
 * environment given: the stores of the developer's shell (DATABASE_URL, EVENTSTORE_URL) never leak in.
 */
export function spawnApp(app: AppName, env: Record<string, string>, args: string[] = []): ChildProcess {
  return spawn(process.execPath, ['-r', './test/support/register-ts.js', `apps/${app}/src/main.ts`, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** The exit status (null when a signal ended it). */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolveExit) =>
    child.exitCode !== null || child.signalCode !== null ? resolveExit(child.exitCode) : child.once('exit', (code) => resolveExit(code)),
  );
}

/** Polls `check` every 5 ms until it holds; throws, naming `what`, once `timeoutMs` have passed. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 5));
  }
}

/** Everything a child wrote to a stream, kept for the failure message. */
export function collect(child: ChildProcess, stream: 'stdout' | 'stderr'): () => string {
  const chunks: string[] = [];
  child[stream]!.on('data', (chunk) => chunks.push(String(chunk)));
  return () => chunks.join('');
}
