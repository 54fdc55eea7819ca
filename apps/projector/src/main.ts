import 'reflect-metadata';
import { ConfigError, createCommandSide, loadConfig, ReadSide, systemClock } from '@desk/application';
import { createEventStore } from '@desk/event-store';
import { createReadModelStore } from '@desk/read-models';

function log(level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ level, time: new Date().toISOString(), service: 'projector', msg, ...fields }) + '\n');
}

/**
 * The projector: runs the projections and the log-driven processes (SLA
 * watch, satisfaction follow-up) alone, for API replicas started with
 * RUN_PROJECTIONS=false. Any number may run; checkpoints are moved with a
 * compare-and-set and processes are idempotent.
 */
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
  const commands = createCommandSide(eventStore, systemClock);
  const readSide = await ReadSide.start(
    { eventStore, readModels, clock: systemClock, commands: commands.requests, repository: commands.repository },
    { runProjections: true, slaWatchIntervalMs: config.slaWatchIntervalMs, batchSize: config.projectionBatchSize },
  );
  log('info', 'projector running', {
    projections: readSide.statuses().map(({ name, version, checkpoint }) => ({ name, version, checkpoint })),
  });

  const states = new Map<string, string>();
  const watch = setInterval(() => {
    for (const status of readSide.statuses()) {
      if (states.get(status.name) === status.state) continue;
      states.set(status.name, status.state);
      log(status.state === 'faulted' ? 'error' : 'info', `projection ${status.name} is ${status.state}`, { ...status });
    }
  }, 1000);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(watch);
    log('info', 'projector stopping', { signal });
    await readSide.stop();
    await eventStore.close();
    await readModels.close();
    log('info', 'projector stopped', { checkpoints: readSide.statuses().map(({ name, checkpoint }) => ({ name, checkpoint })) });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`projector start-up failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
