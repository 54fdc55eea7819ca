import { SqliteEventStore } from '@desk/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('embedded (SQLite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'desk-contract-'));
  const file = join(dir, 'events.sqlite');
  const store = new SqliteEventStore(file);
  return {
    store,
    openAnother: async () => new SqliteEventStore(file),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
