'use strict';
/**
 * The embedded event store's write connection, on a thread of its own (commit-worker.ts starts it), so that the
 * fsync of a group commit takes none of the API's event loop: the next batch gathers there meanwhile. The rules
 * of a commit are batch-commit.ts's, the same module the store runs in its own thread for `:memory:`.
 *
 * Plain CommonJS, so that a Worker loads it by itself: from dist, where nest build copies it beside the compiled
 * store (nest-cli.json, assets) and batch-commit.js is compiled; from the sources (jest, the TypeScript loader),
 * where the store passes the loader that compiles batch-commit.ts on require.
 *
 * workerData: { file, busyTimeoutMs, typescriptLoader }. Messages in: an array of appends (a batch), or
 * { close: true }. Out: { outcome } (a BatchOutcome) per batch, in order, with `ending: true` when the thread ends
 * after it (the file could not be opened), so that the next batch goes to a new worker.
 */
const { parentPort, workerData } = require('node:worker_threads');

const { file, busyTimeoutMs, typescriptLoader } = workerData;
if (typescriptLoader) require(typescriptLoader);
const { batchCommitter, openCommitConnection, sqliteFailureOf } = require('./batch-commit');

let db = null;
let commit = null;
try {
  db = openCommitConnection(file, busyTimeoutMs);
  commit = batchCommitter(db);
} catch (error) {
  // Answered to the batch that started this worker (the store rejects it as unavailable); the thread then ends,
  // and the next batch starts another worker, which tries the file again.
  const failure = sqliteFailureOf(error);
  parentPort.once('message', () => {
    parentPort.postMessage({ outcome: { kind: 'failed', failure }, ending: true });
    parentPort.close();
  });
}

if (commit) {
  parentPort.on('message', (message) => {
    if (Array.isArray(message)) {
      parentPort.postMessage({ outcome: commit(message) });
      return;
    }
    if (message && message.close) {
      db.close();
      parentPort.close();
    }
  });
}
