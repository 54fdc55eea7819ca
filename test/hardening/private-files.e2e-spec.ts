import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiChild } from '../support/api-child';

/**
 * Regression (issue 17, item 10): the API created DATA_DIR and its SQLite files with the process's umask
 * (0755 and 0644 under the usual 022), so any local user could read every customer's requests. What it creates
 * is its owner's alone now: the folder 0700, the files 0600.
 */
describe('the files the API creates', () => {
  it('are readable by their owner only: DATA_DIR 0700, the SQLite files 0600', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'desk-private-'));
    const dataDir = join(parent, 'data');
    const api = await ApiChild.start(dataDir, { LOG_LEVEL: 'warn' });
    try {
      const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
      expect(mode(dataDir)).toBe('700');
      const files = readdirSync(dataDir);
      expect(files).toEqual(expect.arrayContaining(['events.sqlite', 'read-models.sqlite']));
      expect(files.map((file) => [file, mode(join(dataDir, file))])).toEqual(files.map((file) => [file, '600']));
      expect(await api.stop('SIGTERM')).toBe(0);
    } finally {
      await api.kill();
      rmSync(parent, { recursive: true, force: true });
    }
  }, 60_000);
});
