import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@desk/application';
import { createEventStore } from '@desk/event-store';
import { createReadModelStore } from '@desk/read-models';
import { createApp } from '../../apps/api/src/create-app';

/** The OpenAPI document as a desk serves it at GET /openapi.json (the one the lint, the client and the specs' validator read). */
export async function servedDocument(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-openapi-'));
  const app = await createApp({
    config: loadConfig({ DATA_DIR: dataDir, AUTH_SECRET: 'openapi-document-secret-long-enough-for-hs256', RUN_PROJECTIONS: 'false' }),
    eventStore: await createEventStore({ dataDir }),
    readModels: await createReadModelStore({ dataDir }),
    clock: { now: () => new Date() },
  });
  try {
    const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}: ${response.body}`);
    return JSON.parse(response.body) as Record<string, unknown>;
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
