import 'reflect-metadata';
import { createEventStore, StoreFileCorruptError } from '@desk/event-store';
import { createReadModelStore } from '@desk/read-models';
import { keepCreatedFilesPrivate, loadConfigOrExit } from '@desk/application';
import { DeskMetrics, JsonLog, ProjectionsWorker, systemClock } from '@desk/application';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  keepCreatedFilesPrivate();
  const log = new JsonLog('api', config.logLevel);
  const eventStore = await createEventStore({ dataDir: config.dataDir, eventStoreUrl: config.eventStoreUrl });
  const readModels = await createReadModelStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    embeddedReader: config.embeddedReader,
    log,
  });
  // Started before the app, as the in-loop read side is: the read models are prepared before the first query.
  const projectionsWorker =
    config.runProjections && config.projectionsIn === 'worker' ? await ProjectionsWorker.start({ env: process.env, log }) : undefined;
  const app = await createApp({
    config,
    eventStore: projectionsWorker?.tellingAppends(eventStore) ?? eventStore,
    readModels,
    clock: systemClock,
    log,
    projectionsWorker,
  });
  projectionsWorker?.observeCommands(app.get(DeskMetrics));
  await app.listen(config.port, config.host);
  log.info('service desk listening', {
    port: config.port,
    dataDir: config.dataDir,
    eventStore: config.eventStoreUrl ? new URL(config.eventStoreUrl).protocol.replace(':', '') : 'embedded',
    readModels: config.databaseUrl ? 'postgres' : 'embedded',
    projections: !config.runProjections ? 'elsewhere' : projectionsWorker ? 'on a worker thread' : 'in the request loop',
    docs: '/docs',
  });
}

main().catch((error) => {
  // A damaged event log is named, and left as it is, with the exit status of a configuration to fix (2).
  if (error instanceof StoreFileCorruptError) {
    process.stderr.write(`start-up failed: ${error.message}; it is left untouched: restore it from a backup\n`);
    process.exit(2);
  }
  process.stderr.write(`start-up failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
