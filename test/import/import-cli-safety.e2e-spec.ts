import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/**
 * `sd import` around the importer: every bad argument, file or report path is refused with exit 2 and one line
 * naming it, before the event store is even opened, so nothing changes; the report is opened before anything is
 * appended, written as the import goes, and replaces no file the user did not say it may (--force), never the files
 * being imported.
 */
const ROOT = resolve(__dirname, '../..');
const VOLVO = '/work/shared/data/bpi2013/volvo-it-incidents.csv';
const MAPPING = join(ROOT, 'mappings/volvo-it-incidents.json');

function sd(dataDir: string, args: string[]) {
  const run = spawnSync(process.execPath, ['-r', './test/support/register-ts.js', 'apps/cli/src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function countEvents(dataDir: string): number {
  if (!existsSync(join(dataDir, 'events.sqlite'))) return 0;
  const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
  try {
    return (db.prepare('select count(*) as n from events').get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

/** Refused as it should be: exit 2, one line on stderr that matches, no stack trace, and no event store made. */
function expectRefused(run: ReturnType<typeof sd>, dataDir: string, message: RegExp): void {
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(message) });
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(join(dataDir, 'events.sqlite'))).toBe(false);
}

describe('sd import refuses what it cannot do safely, and changes nothing', () => {
  let dir: string;
  let slice: string;
  let data: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-import-safety-'));
    slice = join(dir, 'slice.csv');
    // A row no status maps: refused while reading, so it is in the report before the first append.
    const unmapped = '1-999,2010-03-31T15:59:42+01:00,Nope,Nope,x,x,A2_4,Org line A2,V30,V30,L1,Medium,PROD1,fr,France,F,fr-F';
    writeFileSync(slice, [...readFileSync(VOLVO, 'utf8').split('\n').slice(0, 3001), unmapped].join('\n') + '\n');
    data = join(dir, 'data');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses missing, unreadable and irregular inputs: no such file, a directory, a FIFO, /dev/zero', () => {
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const cases: [string[], RegExp][] = [
      [['--file', '/nope.csv', '--mapping', MAPPING], /^sd: --file \/nope\.csv: no such file$/m],
      [['--file', slice, '--mapping', '/nope.json'], /^sd: --mapping \/nope\.json: no such file$/m],
      [['--file', dir, '--mapping', MAPPING], /--file .*: a directory, not a regular file$/m],
      [['--file', fifo, '--mapping', MAPPING], /--file .*fifo: a FIFO, not a regular file$/m],
      [['--file', slice, '--mapping', fifo], /--mapping .*fifo: a FIFO, not a regular file$/m],
      [['--file', '/dev/zero', '--mapping', MAPPING], /--file \/dev\/zero: a device, not a regular file$/m],
      [['--file', slice, '--mapping', '/dev/zero'], /--mapping \/dev\/zero: a device, not a regular file$/m],
    ];
    for (const [args, message] of cases) expectRefused(sd(data, ['import', ...args, '--report', join(dir, 'r.csv')]), data, message);
    expect(existsSync(join(dir, 'r.csv'))).toBe(false);
  }, 60_000);

  it('refuses a mapping over 1 MB, one that is not JSON, and one that is not a mapping, naming the problem in one line', () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ $comment: 'x'.repeat(1024 * 1024) }));
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{"source": ');
    const notMapping = join(dir, 'not-mapping.json');
    writeFileSync(notMapping, JSON.stringify({ source: 'x', caseId: 'SR Number' }));
    expectRefused(sd(data, ['import', '--file', slice, '--mapping', big]), data, /--mapping .*big\.json: larger than 1048576 bytes$/m);
    expectRefused(sd(data, ['import', '--file', slice, '--mapping', notJson]), data, /--mapping .*not\.json: not JSON \(/);
    expectRefused(
      sd(data, ['import', '--file', slice, '--mapping', notMapping]),
      data,
      /--mapping .*not-mapping\.json: not a valid mapping: timestamp is required; /,
    );
  }, 60_000);

  it('never writes the report over the log, the mapping (even with --force, even through a link) or another file without --force', () => {
    const mapping = join(dir, 'mapping.json');
    writeFileSync(mapping, readFileSync(MAPPING));
    const link = join(dir, 'link-to-slice.csv');
    symlinkSync(slice, link);
    const existing = join(dir, 'existing.csv');
    writeFileSync(existing, 'keep me\n');
    const before = readFileSync(slice, 'utf8');
    const args = ['import', '--file', slice, '--mapping', mapping];
    expectRefused(sd(data, [...args, '--report', slice]), data, /--report .*slice\.csv is the --file being imported/);
    expectRefused(sd(data, [...args, '--report', link, '--force']), data, /--report .*link-to-slice\.csv is the --file being imported/);
    expectRefused(sd(data, [...args, '--report', mapping, '--force']), data, /--report .*mapping\.json is the --mapping being imported/);
    expectRefused(sd(data, [...args, '--report', existing]), data, /--report .*existing\.csv: exists already \(--force replaces it\)$/m);
    expectRefused(sd(data, [...args, '--report', dir, '--force']), data, /--report .*: exists and is not a regular file$/m);
    expectRefused(
      sd(data, [...args, '--report', join(dir, 'no/such/dir/r.csv')]),
      data,
      /--report .*r\.csv: cannot be written \(no such directory\)$/m,
    );
    expect(readFileSync(slice, 'utf8')).toBe(before);
    expect(readFileSync(mapping, 'utf8')).toBe(readFileSync(MAPPING, 'utf8'));
    expect(readFileSync(existing, 'utf8')).toBe('keep me\n');

    const forced = sd(join(dir, 'forced'), [...args, '--report', existing, '--force']);
    expect(forced.status).toBe(1);
    const report = readFileSync(existing, 'utf8').split('\n');
    expect(report[0]).toBe('line,case,outcome,field,value,reason');
    expect(report).toContain('"3002","1-999","rejected","","","status ""Nope/Nope"" is not in the mapping"');
  }, 60_000);

  it('leaves no report and an existing one as it was when the log is refused before anything is appended', () => {
    const other = join(dir, 'other.csv');
    writeFileSync(other, 'a,b\n1,2\n');
    const fresh = join(dir, 'fresh-report.csv');
    const run = sd(data, ['import', '--file', other, '--mapping', MAPPING, '--report', fresh]);
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 2,
      stderr: expect.stringMatching(/^sd: --file .*other\.csv: the file has no column "SR Number", .* that the mapping reads\n$/),
    });
    expect(existsSync(fresh)).toBe(false);
    const kept = join(dir, 'kept-report.csv');
    writeFileSync(kept, 'an earlier report\n');
    expect(sd(data, ['import', '--file', other, '--mapping', MAPPING, '--report', kept, '--force']).status).toBe(2);
    expect(readFileSync(kept, 'utf8')).toBe('an earlier report\n');
    expect(countEvents(data)).toBe(0);
  }, 60_000);

  it('has the rows refused while reading in the report before the first event is appended', async () => {
    const killed = join(dir, 'killed');
    mkdirSync(killed);
    const report = join(dir, 'as-it-goes.csv');
    const child = spawn(
      process.execPath,
      ['-r', './test/support/register-ts.js', 'apps/cli/src/main.ts', 'import', '--file', slice, '--mapping', MAPPING, '--report', report],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: killed, DATABASE_URL: '', EVENTSTORE_URL: '' }, stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    while (countEvents(killed) === 0 && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // Killed midway, not finished: what the report holds was written before the import ended.
    expect(child.signalCode).toBe('SIGKILL');
    expect(countEvents(killed)).toBeGreaterThan(0);
    expect(readFileSync(report, 'utf8').split('\n').slice(0, 2)).toEqual([
      'line,case,outcome,field,value,reason',
      '"3002","1-999","rejected","","","status ""Nope/Nope"" is not in the mapping"',
    ]);
  }, 60_000);
});
