import 'reflect-metadata';
import { createEventStore } from '@desk/event-store';
import { createReadModelStore } from '@desk/read-models';
import { ConfigError, loadConfig } from '@desk/application';
import { systemClock } from '@desk/application';
import { createApp } from './create-app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const eventStore = await createEventStore({ dataDir: config.dataDir, eventStoreUrl: config.eventStoreUrl });
  const readModels = await createReadModelStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const app = await createApp({ config, eventStore, readModels, clock: systemClock });
  await app.listen(config.port, config.host);
  process.stdout.write(
    JSON.stringify({ level: 'info', msg: 'service desk listening', port: config.port, dataDir: config.dataDir, docs: `/docs` }) + '\n',
  );
}

main().catch((error) => {
  process.stderr.write(`start-up failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
