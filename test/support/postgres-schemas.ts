import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/** A schema name of its own for one store in one test run. */
export function freshSchema(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** Drops what a test created, so runs leave the shared database as they found it. */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}
