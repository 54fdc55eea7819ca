'use strict';
/**
 * One read-only connection to the embedded read models, on a thread of its own (worker-sqlite-dialect.ts starts
 * it), so that a slow query (an as-of page over the history tables, a search) never holds the API's event loop.
 * Plain CommonJS needing only better-sqlite3: it runs unchanged from the sources (jest, the TypeScript loader) and
 * from dist, where nest build copies it beside the compiled store (nest-cli.json, assets).
 *
 * Messages in: { id, sql, parameters }. Out: { ready: true } once the file is open, then per query
 * { id, rows, blobs } or { id, changes, lastInsertRowid } or { id, error: { name, message, code } }.
 */
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

const { file, busyTimeoutMs, statementCacheSize } = workerData;

// WAL is set by the writer, which opened the file first; a read-only connection could not set it anyway.
const database = new Database(file, { readonly: true, fileMustExist: true });
database.pragma(`busy_timeout = ${Number(busyTimeoutMs)}`);

// Statements by their SQL text, least recently used first, as the in-process store keeps them: SQLite parsing a
// query of the history's common table expressions costs more than many of them take to run.
const statements = new Map();

function prepared(text) {
  let statement = statements.get(text);
  if (statement) {
    statements.delete(text);
  } else {
    statement = database.prepare(text);
    if (statements.size >= statementCacheSize) statements.delete(statements.keys().next().value);
  }
  statements.set(text, statement);
  return statement;
}

// A Buffer crosses to the other thread as a plain Uint8Array: parameters are made Buffers again here, and rows say
// whether they hold any so that the other side restores only those.
function bindable(parameter) {
  return parameter instanceof Uint8Array && !Buffer.isBuffer(parameter)
    ? Buffer.from(parameter.buffer, parameter.byteOffset, parameter.byteLength)
    : parameter;
}

function holdsBlobs(rows) {
  for (const row of rows) for (const key in row) if (Buffer.isBuffer(row[key])) return true;
  return false;
}

parentPort.on('message', ({ id, sql, parameters }) => {
  try {
    const statement = prepared(sql);
    const values = parameters.map(bindable);
    if (statement.reader) {
      const rows = statement.all(values);
      parentPort.postMessage({ id, rows, blobs: holdsBlobs(rows) });
    } else {
      const { changes, lastInsertRowid } = statement.run(values);
      parentPort.postMessage({ id, changes, lastInsertRowid });
    }
  } catch (error) {
    parentPort.postMessage({ id, error: { name: error.name, message: error.message, code: error.code } });
  }
});

parentPort.postMessage({ ready: true });
