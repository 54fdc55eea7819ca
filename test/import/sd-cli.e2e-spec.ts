import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { TEST_SECRET, TestDesk } from '../api/support/test-desk';

const ROOT = resolve(__dirname, '../..');
const VOLVO = '/work/shared/data/bpi2013/volvo-it-incidents.csv';

function sd(dataDir: string, args: string[]) {
  const run = spawnSync(process.execPath, ['-r', './test/support/register-ts.js', 'apps/cli/src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '' },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function eventIds(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
  try {
    return (
      db.prepare('select id, stream_id, type from events order by stream_id, id').all() as { id: string; stream_id: string; type: string }[]
    ).map((row) => `${row.stream_id}:${row.id}:${row.type}`);
  } finally {
    db.close();
  }
}

function countEvents(dataDir: string): number {
  try {
    const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('select count(*) as n from events').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('npm run sd', () => {
  let dir: string;
  let slice: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-sd-'));
    slice = join(dir, 'slice.csv');
    writeFileSync(slice, readFileSync(VOLVO, 'utf8').split('\n').slice(0, 6001).join('\n') + '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports with progress and a report of the rejected rows, exits 1 when rows were rejected, and a second run appends nothing', () => {
    const data = join(dir, 'once');
    const report = join(dir, 'report.csv');
    const first = sd(data, ['import', '--file', slice, '--mapping', 'mappings/volvo-it-incidents.json', '--report', report]);
    expect(first.stderr).toMatch(/100% \d+\/\d+ cases/);
    expect(first.stderr).toMatch(
      /6000 rows, \d+ cases: \d+ rows imported, 0 already imported, \d+ unchanged, \d+ rejected, \d+ values not applied/,
    );
    const rejected = Number(/(\d+) rejected/.exec(first.stderr)![1]);
    // The summary's count, not the progress line's.
    const notApplied = Number(/rejected, (\d+) values not applied \(/.exec(first.stderr)![1]);
    expect(rejected).toBeGreaterThan(0);
    expect(notApplied).toBeGreaterThan(0);
    expect(first.status).toBe(1);
    const lines = readFileSync(report, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('line,case,outcome,field,value,reason');
    expect(lines.filter((line) => line.includes(',"rejected",'))).toHaveLength(rejected);
    expect(lines.filter((line) => line.includes(',"not applied",'))).toHaveLength(notApplied);
    expect(lines).toHaveLength(rejected + notApplied + 1);
    const events = countEvents(data);
    expect(events).toBeGreaterThan(6000);

    const second = sd(data, ['import', '--file', slice, '--mapping', 'mappings/volvo-it-incidents.json', '--report', report, '--force']);
    expect(second.stderr).toMatch(/0 rows imported, \d+ already imported/);
    expect(second.stderr).toMatch(/ 0 events appended/);
    expect(countEvents(data)).toBe(events);

    const exported = sd(data, ['events', 'export', '--types', 'RequestOpened']);
    expect(exported.status).toBe(0);
    const opened = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(new Set(opened.map((event) => event.type))).toEqual(new Set(['RequestOpened']));
    expect(opened.length).toBe(
      new Set(
        readFileSync(slice, 'utf8')
          .split('\n')
          .slice(1, -1)
          .map((line) => line.split(',')[0]),
      ).size,
    );
    const out = join(dir, 'export.ndjson');
    const toFile = sd(data, ['events', 'export', '--out', out]);
    expect([toFile.status, toFile.stderr]).toEqual([0, expect.stringMatching(new RegExp(`exporting: ${events} events written to`))]);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(events);
  }, 60_000);

  it('resumes a killed import to the same events as an uninterrupted one', async () => {
    const killed = join(dir, 'killed');
    const args = [
      '-r',
      './test/support/register-ts.js',
      'apps/cli/src/main.ts',
      'import',
      '--file',
      slice,
      '--mapping',
      'mappings/volvo-it-incidents.json',
      '--report',
      join(dir, 'r.csv'),
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: killed, DATABASE_URL: '', EVENTSTORE_URL: '' },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 30_000;
    while (countEvents(killed) < 2000 && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const partial = countEvents(killed);
    sd(killed, ['import', '--file', slice, '--mapping', 'mappings/volvo-it-incidents.json', '--report', join(dir, 'r.csv'), '--force']);
    const clean = join(dir, 'clean');
    sd(clean, ['import', '--file', slice, '--mapping', 'mappings/volvo-it-incidents.json', '--report', join(dir, 'r2.csv')]);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(countEvents(clean));
    expect(eventIds(killed)).toEqual(eventIds(clean));
  }, 60_000);

  it('says what is wrong with bad arguments, mappings and files, with exit status 2', () => {
    const data = join(dir, 'bad');
    const cases: [string[], RegExp][] = [
      [[], /usage: npm run sd/],
      [['explode'], /unknown command "explode"/],
      [['import', '--file', slice], /import needs --file <log.csv> and --mapping <mapping.json>/],
      [['import', '--file', slice, '--mapping', 'nope.json'], /--mapping nope.json: no such file/],
      [['events', 'export', '--after', 'soon'], /--after must be a log position/],
      [['events', 'dump'], /the events command is "events export"/],
      [['replay', '--as-of', 'someday'], /replay needs --as-of <ISO 8601 time>/],
      [['import', '--colour', 'blue'], /Unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const run = sd(data, args);
      expect([args.join(' '), run.status]).toEqual([args.join(' '), 2]);
      expect(run.stderr + run.stdout).toMatch(message);
    }
    const badMapping = join(dir, 'bad-mapping.json');
    writeFileSync(badMapping, JSON.stringify({ source: 'x', caseId: 'SR Number' }));
    const mappingRun = sd(data, ['import', '--file', slice, '--mapping', badMapping]);
    expect(mappingRun.status).toBe(2);
    expect(mappingRun.stderr).toMatch(/--mapping .*: not a valid mapping: timestamp is required; /);
    const otherFile = join(dir, 'other.csv');
    writeFileSync(otherFile, 'a,b\n1,2\n');
    const fileRun = sd(data, ['import', '--file', otherFile, '--mapping', 'mappings/volvo-it-incidents.json']);
    expect([fileRun.status, fileRun.stderr]).toEqual([2, expect.stringMatching(/--file .*: the file has no column "SR Number"/)]);
    expect(countEvents(data)).toBe(0);
  }, 60_000);
});

describe('npm run sd -- demo, replay and what-if', () => {
  it('fills an empty desk, answers as of a time from a replay, and says when what-if has no read models yet', () => {
    const data = mkdtempSync(join(tmpdir(), 'desk-sd-demo-'));
    try {
      const demo = sd(data, ['demo']);
      expect([demo.status, demo.stderr]).toEqual([0, expect.stringMatching(/demo desk loaded: 17 requests/)]);
      expect(sd(data, ['demo']).status).toBe(2);
      const now = new Date().toISOString();
      const blockers = sd(data, ['replay', '--as-of', now, '--blockers']);
      expect(blockers.status).toBe(0);
      expect(
        JSON.parse(blockers.stdout)
          .items.slice(0, 2)
          .map((item: { requestId: string }) => item.requestId),
      ).toEqual(['it-switch', 'it-phones']);
      const queue = JSON.parse(sd(data, ['replay', '--as-of', now, '--queue', 'front-desk']).stdout);
      expect(queue.items.length).toBeGreaterThan(0);
      const early = JSON.parse(sd(data, ['replay', '--as-of', '2000-01-01T00:00:00Z']).stdout);
      expect(early.departments).toEqual([]);
      const standard = join(data, 'standard.json');
      writeFileSync(
        standard,
        JSON.stringify({ targets: [{ priority: 'high', audience: 'external', firstResponseMinutes: 5, resolutionMinutes: 30 }] }),
      );
      const whatIf = sd(data, [
        'what-if',
        '--department',
        'front-desk',
        '--from',
        '2000-01-01T00:00:00Z',
        '--to',
        now,
        '--standard',
        standard,
      ]);
      expect([whatIf.status, whatIf.stderr]).toEqual([2, expect.stringMatching(/not built here yet/)]);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('npm run sd -- projections rebuild|retry|skip', () => {
  it('asks the running desk, with an operator token signed by its secret', async () => {
    const desk = await TestDesk.start();
    await desk.app.listen(0, '127.0.0.1');
    const { port } = desk.app.getHttpServer().address() as { port: number };
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(process.execPath, ['-r', './test/support/register-ts.js', 'apps/cli/src/main.ts', ...args], {
          cwd: ROOT,
          env: { ...process.env, AUTH_SECRET: TEST_SECRET, DATA_DIR: join(tmpdir(), 'sd-none'), DATABASE_URL: '', EVENTSTORE_URL: '' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('exit', (status) => done({ status, stdout, stderr }));
      });
    try {
      const url = `http://127.0.0.1:${port}`;
      const rebuilt = await run(['projections', 'rebuild', 'impact-chain', '--url', url]);
      expect(rebuilt.status).toBe(0);
      expect(JSON.parse(rebuilt.stdout)).toMatchObject({ name: 'impact-chain' });
      await desk.readSide.rebuilt('impact-chain');
      const retry = await run(['projections', 'retry', 'impact-chain', '--url', url]);
      expect([retry.status, retry.stderr]).toEqual([1, expect.stringMatching(/retry impact-chain: 409/)]);
      expect((await run(['projections', 'skip', 'nothing', '--url', url])).status).toBe(1);
      expect((await run(['projections', 'rebuild', '--url', url])).status).toBe(2);
      expect((await run(['projections', 'rebuild', 'impact-chain', '--url', 'http://127.0.0.1:1'])).status).toBe(3);
    } finally {
      await desk.stop();
    }
  }, 60_000);
});
