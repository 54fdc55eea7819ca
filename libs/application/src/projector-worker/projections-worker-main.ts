import { parentPort } from 'node:worker_threads';
import { createEventStore, SqliteEventStore, type LogPosition } from '@desk/event-store';
import { createReadModelStore } from '@desk/read-models';
import { systemClock } from '../clock';
import { createCommandSide } from '../command-side';
import { loadConfig } from '../config/app-config';
import type { CommandObserver, CommandOutcome } from '../observability/desk-metrics';
import { JsonLog } from '../observability/json-log';
import { ProjectionActionRefusedError, ReadSide } from '../read-side';
import type { ActionError, FromWorker, ReadSideSnapshot, ToWorker, WorkerAction } from './worker-messages';

/** How often the worker tells its statuses (rates, states); checkpoints are told as they are committed. */
const SNAPSHOT_MS = 200;

function snapshotOf(readSide: ReadSide): ReadSideSnapshot {
  const names = readSide.projectionNames;
  return {
    statuses: readSide.statuses(),
    rebuilds: Object.fromEntries(names.map((name) => [name, readSide.rebuildStatus(name)])),
    lastRebuilds: Object.fromEntries(names.map((name) => [name, readSide.lastRebuild(name)])),
  };
}

function actionError(error: unknown): ActionError {
  const refused = error instanceof ProjectionActionRefusedError;
  const code = (error as { code?: unknown } | null)?.code;
  return {
    message: error instanceof Error ? error.message : String(error),
    refused,
    unknownProjection: refused && error.unknownProjection,
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/**
 * The projections, the SLA watch and the satisfaction follow-up of an API process, on a worker thread of their own
 * (ProjectionsWorker starts it): the read side the API would run in its loop, over stores of its own opened from the
 * same configuration. It tells the API's thread each checkpoint it commits, in one message per turn of its loop, so
 * that reads waiting for a position are answered at once, and its statuses every SNAPSHOT_MS. A failure to start is
 * thrown: the thread ends with it and the host sees why.
 */
export async function runProjectionsWorker(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('the projections worker runs on a worker thread (ProjectionsWorker starts it)');
  const post = (message: FromWorker) => port.postMessage(message);
  const config = loadConfig();
  const log = new JsonLog('projections', config.logLevel);
  const eventStore = await createEventStore({ dataDir: config.dataDir, eventStoreUrl: config.eventStoreUrl });
  // The embedded file's appends by the API's thread wake the runners at its word (they would otherwise wait for the
  // store's slow poll); the other stores tell their subscribers themselves.
  const embedded = eventStore instanceof SqliteEventStore ? eventStore : null;
  const readModels = await createReadModelStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    // Its queries (the SLA watch's) run on its own thread: there is no request loop here to keep free.
    embeddedReader: { ...config.embeddedReader, workers: 0 },
    log,
  }).catch(async (error: unknown) => {
    await eventStore.close().catch(() => undefined);
    throw error;
  });
  // The processes' commands are counted in the API's metrics, as they are when the API runs them in its loop.
  const observed: [string, CommandOutcome, number][] = [];
  let counting: NodeJS.Immediate | null = null;
  const observer: CommandObserver = {
    observeCommand(command, outcome, seconds) {
      observed.push([command, outcome, seconds]);
      counting ??= setImmediate(() => {
        counting = null;
        post({ type: 'commands', observed: observed.splice(0) });
      });
    },
  };
  const commands = createCommandSide(eventStore, systemClock, observer);
  const readSide = await ReadSide.start(
    { eventStore, readModels, clock: systemClock, commands: commands.requests, repository: commands.repository, log },
    { runProjections: true, slaWatchIntervalMs: config.slaWatchIntervalMs, batchSize: config.projectionBatchSize },
  ).catch(async (error: unknown) => {
    await Promise.all([eventStore.close(), readModels.close()]).catch(() => undefined);
    throw error;
  });

  const committed = new Map<string, LogPosition>();
  let telling: NodeJS.Immediate | null = null;
  const stopTelling = readSide.onAdvanced((projection, checkpoint) => {
    committed.set(projection, checkpoint);
    telling ??= setImmediate(() => {
      telling = null;
      post({ type: 'advanced', checkpoints: [...committed] });
      committed.clear();
    });
  });
  const snapshots = setInterval(() => post({ type: 'snapshot', snapshot: snapshotOf(readSide) }), SNAPSHOT_MS);

  const act = async (message: WorkerAction) => {
    try {
      const value =
        message.type === 'rebuild'
          ? (await readSide.rebuild(message.name), null)
          : await readSide.resolveFault(message.name, message.action);
      post({ type: 'reply', id: message.id, snapshot: snapshotOf(readSide), value });
    } catch (error) {
      post({ type: 'reply', id: message.id, snapshot: snapshotOf(readSide), value: null, error: actionError(error) });
    }
  };
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(snapshots);
    // Each runner saves the checkpoint of the batch in flight; the last commits are told before the final statuses.
    await readSide.stop();
    stopTelling();
    if (telling) clearImmediate(telling);
    if (committed.size > 0) post({ type: 'advanced', checkpoints: [...committed] });
    post({ type: 'stopped', snapshot: snapshotOf(readSide) });
    await eventStore.close();
    await readModels.close();
    port.close();
  };
  port.on('message', (message: ToWorker) => {
    if (message.type === 'appended') embedded?.noticeAppend();
    else if (message.type === 'stop') void stop();
    else void act(message);
  });
  post({ type: 'ready', snapshot: snapshotOf(readSide) });
}
