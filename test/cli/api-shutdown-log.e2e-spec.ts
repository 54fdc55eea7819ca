import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiChild } from '../support/api-child';

describe('the API shutting down on SIGTERM', () => {
  it('logs the signal, then the checkpoints it saved', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-api-shutdown-log-'));
    const api = await ApiChild.start(dataDir, { LOG_LEVEL: 'info' });
    try {
      expect(await api.stop('SIGTERM')).toBe(0);
      const lines = api
        .log()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; signal?: string; checkpoints?: { name: string; checkpoint: string }[] });
      const stopping = lines.findIndex((line) => line.msg.startsWith('service desk stopping'));
      const stopped = lines.findIndex((line) => line.msg === 'service desk stopped');
      expect(lines[stopping]).toMatchObject({ signal: 'SIGTERM' });
      expect(stopped).toBeGreaterThan(stopping);
      expect(lines[stopped].checkpoints?.map(({ name }) => name)).toEqual(expect.arrayContaining(['request-summaries', 'impact-chain']));
    } finally {
      await api.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
