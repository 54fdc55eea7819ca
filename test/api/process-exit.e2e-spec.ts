import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '@desk/application';
import { ApiChild, CHILD_SECRET } from '../support/api-child';

describe('the API process', () => {
  // Found by bench/soak.ts: after a clean shutdown the API re-raised SIGTERM and died of it, which a supervisor
  // cannot tell from a process killed before it cleaned up (the projector exits 0).
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits with status 0 after a clean shutdown on %s',
    async (signal) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'desk-api-shutdown-'));
      const api = await ApiChild.start(dataDir, { LOG_LEVEL: 'warn' });
      try {
        const command = await fetch(`${api.url}/departments`, {
          method: 'POST',
          headers: { authorization: `Bearer ${issueToken(CHILD_SECRET, 'alice', 'manager', '1h')}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id: 'it', name: 'IT' }),
        });
        expect(command.status).toBe(201);
        expect(await api.stop(signal)).toBe(0);
        expect(api.process.signalCode).toBeNull();
        expect(api.stderr()).toBe('');
      } finally {
        await api.kill();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
