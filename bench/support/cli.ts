import { Client } from 'pg';
import { say } from './report';

export function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** Runs `main` when the file is the script node was started with, and sets the exit status from it. */
export function runAsScript(module: NodeModule, main: () => Promise<void>): void {
  if (require.main !== module) return;
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error) => {
      say(`benchmark failed: ${(error as Error).stack ?? String(error)}`);
      process.exit(1);
    },
  );
}

/**
 * A database of the benchmarks' own (desk_bench) on the PostgreSQL server of
 * DATABASE_URL (or the local one): the benchmarks drop and fill schemas that
 * no test or user shares. Undefined when no server answers.
 */
export async function benchDatabaseUrl(): Promise<string | undefined> {
  const server = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test');
  const admin = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'desk_bench'");
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE desk_bench');
  } finally {
    await admin.end();
  }
  server.pathname = '/desk_bench';
  return server.toString();
}
