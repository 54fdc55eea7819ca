import 'reflect-metadata';
import { createEventStore } from '@desk/event-store';
import { createReadModelStore } from '@desk/read-models';
import { keepCreatedFilesPrivate, loadConfigOrExit } from '@desk/application';
import { JsonLog, systemClock } from '@desk/application';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  keepCreatedFilesPrivate();
  const eventStore = await createEventStore({ dataDir: config.dataDir, eventStoreUrl: config.eventStoreUrl });
  const readModels = await createReadModelStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    embeddedReader: config.embeddedReader,
  });
  const log = new JsonLog('api', config.logLevel);
  const app = await createApp({ config, eventStore, readModels, clock: systemClock, log });
  await app.listen(config.port, config.host);
  log.info('service desk listening', {
    port: config.port,
    dataDir: config.dataDir,
    eventStore: config.eventStoreUrl ? new URL(config.eventStoreUrl).protocol.replace(':', '') : 'embedded',
    readModels: config.databaseUrl ? 'postgres' : 'embedded',
    projections: config.runProjections ? 'in this process' : 'elsewhere',
    docs: '/docs',
  });
}

main().catch((error) => {
  process.stderr.write(`start-up failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
