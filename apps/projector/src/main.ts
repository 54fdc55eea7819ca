import 'reflect-metadata';
import {
  createCommandSide,
  DeskMetrics,
  JsonLog,
  keepCreatedFilesPrivate,
  loadConfigOrExit,
  ReadSide,
  systemClock,
} from '@desk/application';
import { createEventStore, StoreFileCorruptError } from '@desk/event-store';
import { createHttpApplication } from '@desk/http';
import { createReadModelStore } from '@desk/read-models';
import { ProjectorModule } from './projector.module';

/**
 * The projector: runs the projections and the log-driven processes (SLA
 * watch, satisfaction follow-up) alone, for API replicas started with
 * RUN_PROJECTIONS=false. Any number may run; checkpoints are moved with a
 * compare-and-set and processes are idempotent. PROJECTOR_PORT serves the
 * API's operations surface: /health/live and /health/ready (public), /metrics
 * (public, as on the API) and /admin/projections with its rebuild, retry and
 * skip (operator token).
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  keepCreatedFilesPrivate();
  const log = new JsonLog('projector', config.logLevel);
  const metrics = new DeskMetrics('projector');
  const eventStore = metrics.instrument(await createEventStore({ dataDir: config.dataDir, eventStoreUrl: config.eventStoreUrl }));
  const readModels = await createReadModelStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    embeddedReader: config.embeddedReader,
    log,
  });
  const commands = createCommandSide(eventStore, systemClock, metrics);
  const readSide = await ReadSide.start(
    { eventStore, readModels, clock: systemClock, commands: commands.requests, repository: commands.repository, log },
    { runProjections: true, slaWatchIntervalMs: config.slaWatchIntervalMs, batchSize: config.projectionBatchSize },
  );
  metrics.watch(readSide, eventStore);
  const http =
    config.projectorPort > 0
      ? await createHttpApplication(ProjectorModule.register({ config, eventStore, readModels, readSide, metrics }), {
          bodyLimitBytes: config.bodyLimitBytes,
          limits: config,
          trustProxy: config.trustProxy,
          log,
        })
      : null;
  await http?.listen(config.projectorPort, config.host);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('projector stopping', { signal });
    await http?.close();
    await readSide.stop();
    await eventStore.close();
    await readModels.close();
    log.info('projector stopped', { checkpoints: readSide.statuses().map(({ name, checkpoint }) => ({ name, checkpoint })) });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Only now: a supervisor that sees this line may stop the projector at once, and the signal must find its handler.
  log.info('projector running', {
    port: config.projectorPort || null,
    projections: readSide.statuses().map(({ name, version, checkpoint, state }) => ({ name, version, checkpoint, state })),
  });
}

main().catch((error) => {
  // A damaged event log is named, and left as it is, with the exit status of a configuration to fix (2).
  if (error instanceof StoreFileCorruptError) {
    process.stderr.write(`projector start-up failed: ${error.message}; it is left untouched: restore it from a backup\n`);
    process.exit(2);
  }
  process.stderr.write(`projector start-up failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
