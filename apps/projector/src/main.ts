import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import {
  createCommandSide,
  DeskMetrics,
  JsonLog,
  loadConfigOrExit,
  ReadSide,
  ProjectionActionRefusedError,
  systemClock,
} from '@desk/application';
import { createEventStore, type EventStore } from '@desk/event-store';
import { createReadModelStore, type ReadModelStore } from '@desk/read-models';

/**
 * The projector: runs the projections and the log-driven processes (SLA
 * watch, satisfaction follow-up) alone, for API replicas started with
 * RUN_PROJECTIONS=false. Any number may run; checkpoints are moved with a
 * compare-and-set and processes are idempotent. PROJECTOR_PORT serves
 * /metrics and /health/live, /health/ready.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = new JsonLog('projector', config.logLevel);
  const metrics = new DeskMetrics('projector');
  const eventStore = metrics.instrument(await createEventStore({ dataDir: config.dataDir, eventStoreUrl: config.eventStoreUrl }));
  const readModels = await createReadModelStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const commands = createCommandSide(eventStore, systemClock, metrics);
  const readSide = await ReadSide.start(
    { eventStore, readModels, clock: systemClock, commands: commands.requests, repository: commands.repository, log },
    { runProjections: true, slaWatchIntervalMs: config.slaWatchIntervalMs, batchSize: config.projectionBatchSize },
  );
  metrics.watch(readSide, eventStore);
  const server =
    config.projectorPort > 0 ? await serve(config.projectorPort, config.host, metrics, eventStore, readModels, readSide) : null;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('projector stopping', { signal });
    server?.close();
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

function serve(
  port: number,
  host: string,
  metrics: DeskMetrics,
  events: EventStore,
  readModels: ReadModelStore,
  readSide: ReadSide,
): Promise<Server> {
  const server = createServer((request, response) => {
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    const json = (status: number, body: unknown) => send(status, 'application/json', JSON.stringify(body));
    const action = /^\/admin\/projections\/([A-Za-z0-9._-]{1,64})\/(rebuild|retry|skip)$/.exec(request.url ?? '');
    if (request.method === 'POST' && action) {
      // Operators' actions on the projections this process runs; the port is for the internal network only.
      void operate(readSide, action[1], action[2] as 'rebuild' | 'retry' | 'skip').then(([status, body]) => json(status, body));
      return;
    }
    if (request.method === 'GET' && request.url === '/admin/projections') {
      return json(200, { projections: readSide.statuses().map((status) => ({ ...status, rebuild: readSide.rebuildStatus(status.name) })) });
    }
    if (request.method !== 'GET') return json(405, { status: 405, title: 'Method not allowed' });
    if (request.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => send(200, metrics.registry.contentType, text),
        (error: Error) => json(500, { status: 500, detail: error.message }),
      );
      return;
    }
    if (request.url === '/health/live') return json(200, { status: 'ok' });
    if (request.url === '/health/ready') {
      const failure = (error: unknown) => (error instanceof Error ? error.message : String(error));
      Promise.all([events.ping().then(() => 'ok', failure), readModels.ping().then(() => 'ok', failure)]).then(([eventStore, store]) => {
        const projections = Object.fromEntries(readSide.statuses().map((status) => [status.name, status.state]));
        const ok = eventStore === 'ok' && store === 'ok';
        json(ok ? 200 : 503, { status: ok ? 'ok' : 'not ready', checks: { eventStore, readModels: store, projections } });
      });
      return;
    }
    json(404, { status: 404, title: 'Not found' });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function operate(readSide: ReadSide, name: string, action: 'rebuild' | 'retry' | 'skip'): Promise<[number, unknown]> {
  try {
    if (action !== 'rebuild') return [200, await readSide.resolveFault(name, action)];
    await readSide.rebuild(name);
    return [202, { name, rebuild: readSide.rebuildStatus(name) }];
  } catch (error) {
    if (error instanceof ProjectionActionRefusedError) {
      return error.unknownProjection
        ? [404, { status: 404, title: 'Not found', detail: error.message }]
        : [409, { status: 409, title: 'Conflict', detail: error.message }];
    }
    return [500, { status: 500, title: 'Internal error', detail: (error as Error).message }];
  }
}

main().catch((error) => {
  process.stderr.write(`projector start-up failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
