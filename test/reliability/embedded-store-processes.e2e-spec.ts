import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '@desk/event-store';
import { readWholeLog } from '../support/shared-event-stores';

/**
 * Several processes appending to one embedded event store at once (two
 * projectors recording breaches and follow-ups, API replicas on one data
 * folder). Regression: the group-commit transaction was deferred, so it read
 * before it wrote and could not take the write lock once another process had
 * committed in between: "database is locked" at once instead of waiting,
 * which faulted the satisfaction follow-up of a second projector.
 */
const ROOT = resolve(__dirname, '../..');
const APPENDS = 150;

const WORKER = `
const { SqliteEventStore } = require('@desk/event-store');
const { randomUUID } = require('node:crypto');
(async () => {
  const [file, name, count] = process.argv.slice(1);
  const store = new SqliteEventStore(file);
  const failures = [];
  // Bursts of concurrent appends (one group commit each) on streams of this process and on one shared stream.
  for (let i = 0; i < Number(count); i += 5) {
    const burst = [0, 1, 2, 3, 4].map((k) =>
      store
        .appendToStream(k === 0 ? 'shared' : name + '-' + ((i + k) % 7), [{ id: randomUUID(), type: 'Noted', data: { name }, metadata: {} }])
        .then(() => null, (error) => String(error)),
    );
    for (const failure of await Promise.all(burst)) if (failure) failures.push(failure);
  }
  await store.close();
  process.stdout.write(JSON.stringify({ name, failures: failures.slice(0, 3), failed: failures.length }));
})();
`;

function worker(file: string, name: string): Promise<{ name: string; failed: number; failures: string[] }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', './test/support/register-ts.js', '-e', WORKER, file, name, String(APPENDS)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('exit', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`worker ${name} exited ${code}: ${err}`))));
  });
}

describe('one embedded event store, appended to by several processes at once', () => {
  it('accepts every append (waiting for the write lock) and keeps every stream gap-free', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-store-processes-'));
    const file = join(dataDir, 'events.sqlite');
    try {
      await new SqliteEventStore(file).close();
      const results = await Promise.all(['a', 'b', 'c'].map((name) => worker(file, name)));
      // The shared stream is appended to with expected revision "any": a lost race is no failure there.
      expect(results.map(({ name, failed, failures }) => ({ name, failed, failures }))).toEqual(
        ['a', 'b', 'c'].map((name) => ({ name, failed: 0, failures: [] })),
      );
      const store = new SqliteEventStore(file);
      const events = await readWholeLog(store);
      await store.close();
      expect(events).toHaveLength(3 * APPENDS);
      const revisions = new Map<string, bigint[]>();
      for (const event of events) revisions.set(event.streamId, [...(revisions.get(event.streamId) ?? []), event.revision]);
      for (const list of revisions.values()) expect(list).toEqual(list.map((_, index) => BigInt(index)));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
