import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDemoDesk } from '@desk/application';
import { createEventStore } from '@desk/event-store';
import { createReadModelStore } from '@desk/read-models';
import { agent, TEST_SECRET, TestDesk } from '../api/support/test-desk';

const ROOT = resolve(__dirname, '../..');
const CLI = ['-r', './test/support/register-ts.js', 'apps/cli/src/main.ts'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI from the sources, piped (so, as to a script): the stores of `dataDir`, no desk named unless `env` names one. */
function sd(dataDir: string, args: string[], env: Record<string, string> = {}): Run {
  const run = spawnSync(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...withoutDesk(process.env), DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '', ...env },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The same, without blocking this process: for a desk served from this process. */
function sdAsync(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: ROOT,
      env: { ...withoutDesk(process.env), DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

function withoutDesk(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { SD_URL: _url, SD_TOKEN: _token, PORT: _port, ...rest } = env;
  return rest;
}

const lines = (text: string) => text.trim().split('\n');

describe('sd refuses what the API refuses', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-sd-args-'));
    writeFileSync(join(dir, 'standard.json'), JSON.stringify({ targets: [] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const refusals: [string, string[], RegExp][] = [
    ['an unknown event type', ['events', 'export', '--types', 'RequestOpened,Bogus'], /^sd: --types: unknown event type 'Bogus'/],
    ['an impossible day', ['events', 'export', '--from', '2012-02-30'], /^sd: --from names a day that does not exist: '2012-02-30'$/],
    ['a time that is not ISO 8601', ['events', 'export', '--to', 'next tuesday'], /^sd: --to must be an ISO 8601 time/],
    ['--from after --to', ['events', 'export', '--from', '2012-03-02', '--to', '2012-03-01'], /^sd: --from must be before --to/],
    ['--from equal to --to', ['events', 'export', '--from', '2012-03-01', '--to', '2012-03-01'], /^sd: --from must be before --to/],
    ['a limit of nothing', ['events', 'export', '--limit', '0'], /^sd: --limit must be a whole number from 1 to 10000000/],
    ['a stream prefix with a space', ['events', 'export', '--stream-prefix', 'request x'], /^sd: --stream-prefix must be/],
    [
      'an impossible day to replay to',
      ['replay', '--as-of', '2012-02-30'],
      /^sd: replay needs --as-of <ISO 8601 time>: --as-of names a day/,
    ],
    ['a 13th month', ['replay', '--as-of', '2012-13-01'], /^sd: replay needs --as-of <ISO 8601 time>/],
    ['a department id with a space', ['replay', '--as-of', '2012-01-01', '--queue', 'front desk'], /^sd: --queue must be an id/],
    [
      'a page of 500',
      ['replay', '--as-of', '2012-01-01', '--blockers', '--limit', '500'],
      /^sd: --limit must be a whole number from 1 to 200/,
    ],
    ['a cursor with a slash', ['replay', '--as-of', '2012-01-01', '--blockers', '--cursor', 'a/b'], /^sd: --cursor must be a cursor/],
    ['--all with a cursor', ['replay', '--as-of', '2012-01-01', '--blockers', '--all', '--cursor', 'abc'], /^sd: --all reads every page/],
    ['two answers at once', ['replay', '--as-of', '2012-01-01', '--blockers', '--queue', 'it'], /^sd: replay answers one of/],
    [
      'a file that is not there',
      ['import', '--file', '/nope.csv', '--mapping', 'mappings/volvo-it-incidents.json'],
      /^sd: --file \/nope.csv: no such file$/,
    ],
    [
      'a folder to import',
      ['import', '--file', '/tmp', '--mapping', 'mappings/volvo-it-incidents.json'],
      /^sd: --file \/tmp: a directory, not a regular file$/,
    ],
    [
      'a what-if over an impossible day',
      ['what-if', '--department', 'it', '--from', '2012-02-30', '--to', '2012-03-30', '--standard', 'x'],
      /^sd: --from names a day/,
    ],
    [
      'a what-if backwards',
      ['what-if', '--department', 'it', '--from', '2012-03-30', '--to', '2012-03-01', '--standard', 'x'],
      /^sd: --from must be before --to/,
    ],
    [
      'a what-if standard not there',
      ['what-if', '--department', 'it', '--from', '2012-03-01', '--to', '2012-03-30', '--standard', '/nope.json'],
      /^sd: --standard \/nope.json: no such file$/,
    ],
    [
      'an impact chain in SVG',
      ['impact', 'it-switch', '--format', 'svg'],
      /^sd: --format must be one of tree, mermaid, dot, json, got 'svg'$/,
    ],
    ['an impact chain of nothing', ['impact'], /^sd: impact needs one request id/],
    ['an impact chain at an impossible time', ['impact', 'it', '--as-of', '2012-02-30'], /^sd: --as-of names a day/],
    ['a desk URL that is none', ['projections', 'list', '--url', 'desk'], /^sd: --url must be the desk's base URL/],
    ['a rebuild waited and not', ['projections', 'rebuild', 'impact-chain', '--wait', '--no-wait'], /^sd: --wait or --no-wait, not both$/],
    ['a retry waited for', ['projections', 'retry', 'impact-chain', '--wait'], /^sd: --wait follows a rebuild/],
    [
      'a projection name with a space',
      ['projections', 'rebuild', 'impact chain'],
      /^sd: the projection name of projections rebuild must be an id/,
    ],
    ['a demo with an unknown option', ['demo', '--size', 'big'], /^sd: Unknown option '--size'/],
  ];
  it.each(refusals)('refuses %s with exit status 2 and one line naming the argument', (_what, args, message) => {
    const run = sd(dir, args);
    expect([run.status, lines(run.stderr)]).toEqual([2, [expect.stringMatching(message)]]);
    expect(run.stdout).toBe('');
  });

  it('lists every command with its exit statuses in --help', () => {
    const help = sd(dir, ['--help']);
    expect(help.status).toBe(0);
    for (const command of [
      'import',
      'events export',
      'projections list',
      'projections rebuild',
      'projections retry|skip',
      'replay',
      'impact',
      'what-if',
      'demo',
    ]) {
      expect([command, help.stdout.includes(`\n  ${command} `) || help.stdout.includes(`\n  ${command}\n`)]).toEqual([command, true]);
    }
    expect(help.stdout.match(/^ {6}exit 0/gm)).toHaveLength(9);
    expect(help.stdout).toMatch(/Exit statuses: 0 done; 1 .*; 2 bad arguments/);
    expect(sd(dir, ['replay', '--help'])).toEqual({ status: 0, stdout: help.stdout, stderr: '' });
  });
});

describe('sd on the demo desk', () => {
  let dir: string;
  let now: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-sd-demo-'));
    now = new Date().toISOString();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says what the demo made, when its history runs and why, and five things to look at next', () => {
    const demo = sd(dir, ['demo', '--table']);
    expect(demo.status).toBe(0);
    expect(demo.stdout).toMatch(/departments {2}it, hr, facilities, marketing, kitchen, front-desk, support, sales/);
    expect(demo.stdout).toMatch(/14 open: it-laptop, .*it-switch, it-phones, fd-booking-olga/);
    expect(demo.stdout).toMatch(/3 resolved or cancelled: fac-heating, sup-invoice, fac-light/);
    expect(demo.stdout).toMatch(/it-switch blocks it-phones, which blocks fd-booking-olga and fd-booking-omar/);
    expect(demo.stdout).toMatch(/a few days back on purpose: requests left open are past their SLA targets/);
    expect(demo.stdout.match(/^ {2}[1-5]\. /gm)).toHaveLength(5);
    expect(demo.stdout).not.toContain('\u001b['); // no colour codes when piped
    const again = sd(dir, ['demo', '--json']);
    expect([again.status, again.stderr]).toEqual([2, 'the demo fills an empty desk; this one has events already\n']);
  });

  it('prints an unknown request on stderr and exits 1, not an error document on stdout', () => {
    const run = sd(dir, ['replay', '--as-of', now, '--impact', 'nope']);
    expect([run.status, run.stdout, lines(run.stderr).pop()]).toEqual([1, '', `no request nope as of ${now}`]);
    // The replay's progress moves from nothing read to the whole log.
    expect(lines(run.stderr).slice(0, 2)).toEqual([
      expect.stringMatching(/^replaying 0% 0\/(\d+) events$/),
      expect.stringMatching(/^replaying 100% (\d+)\/\1 events$/),
    ]);
  });

  it('pages a list as the API does: --limit and --cursor, or --all as NDJSON', () => {
    const whole = JSON.parse(sd(dir, ['replay', '--as-of', now, '--queue', 'front-desk', '--limit', '200']).stdout);
    expect(whole.items.length).toBe(4);
    expect(whole.nextCursor).toBeNull();
    const first = JSON.parse(sd(dir, ['replay', '--as-of', now, '--queue', 'front-desk', '--limit', '3']).stdout);
    expect(first.items).toHaveLength(3);
    const rest = JSON.parse(
      sd(dir, ['replay', '--as-of', now, '--queue', 'front-desk', '--limit', '3', '--cursor', first.nextCursor]).stdout,
    );
    expect([...first.items, ...rest.items]).toEqual(whole.items);
    const all = sd(dir, ['replay', '--as-of', now, '--queue', 'front-desk', '--limit', '1', '--all']);
    expect(lines(all.stdout).map((line) => JSON.parse(line))).toEqual(whole.items);
    const blockers = sd(dir, ['replay', '--as-of', now, '--blockers', '--all', '--limit', '2']);
    expect(
      lines(blockers.stdout)
        .map((line) => JSON.parse(line).requestId)
        .slice(0, 2),
    ).toEqual(['it-switch', 'it-phones']);
    const workloads = JSON.parse(sd(dir, ['replay', '--as-of', now]).stdout).departments;
    expect(workloads).toHaveLength(8);
    const firstDepartments = JSON.parse(sd(dir, ['replay', '--as-of', now, '--limit', '5']).stdout);
    const otherDepartments = JSON.parse(
      sd(dir, ['replay', '--as-of', now, '--limit', '5', '--cursor', firstDepartments.nextCursor]).stdout,
    );
    expect([...firstDepartments.items, ...otherDepartments.items]).toEqual(workloads);
    expect(otherDepartments.nextCursor).toBeNull();
    expect(lines(sd(dir, ['replay', '--as-of', now, '--all', '--limit', '3']).stdout).map((line) => JSON.parse(line))).toEqual(workloads);
    const foreign = sd(dir, ['replay', '--as-of', now, '--blockers', '--cursor', first.nextCursor]);
    expect([foreign.status, lines(foreign.stderr).pop()]).toEqual([2, expect.stringMatching(/^sd: --cursor: /)]);
  });

  it('shows tables to a person: the queue, the blockers with the next page, the workloads with a bar a day', () => {
    const queue = sd(dir, ['replay', '--as-of', now, '--queue', 'front-desk', '--table']);
    expect(lines(queue.stdout)[0]).toMatch(/^request +priority +status +audience +assignee +due +sla +blocked by +subject$/);
    expect(queue.stdout).toMatch(/^fd-booking-olga +high +new +external +- +\S+ \S+ +breached +it-phones +Cannot book/m);
    expect(lines(queue.stdout).pop()).toBe('4 in all');
    const blockers = sd(dir, ['replay', '--as-of', now, '--blockers', '--table', '--limit', '1']);
    expect(blockers.stdout).toMatch(/^it-switch +it +new +4 +3 +3 /m);
    expect(lines(blockers.stdout).pop()).toMatch(/^1 shown; the next page: --cursor [A-Za-z0-9_-]+ \(or --all\)$/);
    const workloads = sd(dir, ['replay', '--as-of', now, '--table']);
    expect(lines(workloads.stdout)[0]).toMatch(/^8 departments as of .*a bar a day/);
    expect(workloads.stdout).toMatch(/^it +3 +1 +[▁-█ ]+ /m);
  });

  it('draws the vet clinic’s impact chain as a tree, as Mermaid and as DOT', () => {
    const tree = sd(dir, ['impact', 'it-phones', '--as-of', now]);
    expect(tree.status).toBe(0);
    expect(lines(tree.stdout).slice(0, 6)).toEqual([
      'held up by',
      '└─ blocks ↓ it-switch [it, internal, new, high] Network switch in the server room is failing',
      'it-phones [it, internal, customer-facing, on_hold, high] Phone system down at reception',
      '├─ degrades → fd-acme [front-desk, external, new, medium] Kennel partnership visit to schedule',
      '├─ blocks → fd-booking-olga [front-desk, external, new, high] Cannot book a vaccination appointment',
      '└─ blocks → fd-booking-omar [front-desk, external, new, high] Nobody answers the phone',
    ]);
    const mermaid = sd(dir, ['impact', 'it-switch', '--as-of', now, '--format', 'mermaid']).stdout;
    expect(lines(mermaid)[0]).toBe('flowchart LR');
    expect(mermaid).toContain('r0["it-switch<br/>it · new<br/>Network switch in the server room is failing"]');
    expect(mermaid).toMatch(/r0 ==>\|blocks\| r1\n/);
    expect(mermaid.match(/==>\|blocks\|/g)).toHaveLength(3);
    expect(mermaid.match(/-\.->\|degrades\|/g)).toHaveLength(1);
    const dot = sd(dir, ['impact', 'it-switch', '--as-of', now, '--format', 'dot']).stdout;
    expect(lines(dot)[0]).toBe('digraph impact {');
    expect(dot).toContain('"it-switch" -> "it-phones" [label="blocks"];');
    expect(dot).toContain('"it-phones" -> "fd-acme" [label="degrades", style=dashed];');
    const missing = sd(dir, ['impact', 'it-switch']);
    expect([missing.status, lines(missing.stderr)]).toEqual([
      2,
      [expect.stringMatching(/^sd: impact reads the read models, which are not built here yet/)],
    ]);
  });

  it('says which desk it asks, from --url, SD_URL or PORT, and lists the stored checkpoints when none answers', () => {
    const named = sd(dir, ['projections', 'list', '--json'], { SD_URL: 'http://127.0.0.1:1' });
    expect(named.status).toBe(0);
    expect(lines(named.stderr)[0]).toMatch(/^cannot reach the desk at http:\/\/127\.0\.0\.1:1: .*; the stored checkpoints only:$/);
    expect(JSON.parse(named.stdout).projections).toEqual(
      expect.arrayContaining([{ name: 'impact-chain', state: 'not built', checkpoint: '-', lag: '-' }]),
    );
    const byPort = sd(dir, ['projections', 'list', '--table'], { PORT: '1' });
    expect(lines(byPort.stderr)[0]).toMatch(/^cannot reach the desk at http:\/\/127\.0\.0\.1:1:/);
    expect(lines(byPort.stdout)[1]).toMatch(/^projection +state +checkpoint +lag/);
  });
});

describe('sd projections rebuild --wait', () => {
  it('follows the rebuild to its swap, and exits 1 with the desk’s reason when it is refused', async () => {
    const desk = await TestDesk.start();
    await desk.app.listen(0, '127.0.0.1');
    const { port } = desk.app.getHttpServer().address() as { port: number };
    const data = mkdtempSync(join(tmpdir(), 'desk-sd-rebuild-'));
    const env = { AUTH_SECRET: TEST_SECRET, SD_URL: `http://127.0.0.1:${port}` };
    try {
      const rebuilt = await sdAsync(data, ['projections', 'rebuild', 'request-summaries', '--wait', '--json'], env);
      expect([rebuilt.status, rebuilt.stderr]).toEqual([
        0,
        expect.stringMatching(/rebuilding request-summaries: swapped in after [\d.]+ s; checkpoint \d+ of \d+\n$/),
      ]);
      expect(JSON.parse(rebuilt.stdout)).toMatchObject({ name: 'request-summaries', rebuilt: true });
      expect(desk.readSide.rebuildStatus('request-summaries')).toBeNull();
      const process = await sdAsync(data, ['projections', 'rebuild', 'satisfaction-follow-up', '--wait'], env);
      expect([process.status, lines(process.stderr)]).toEqual([
        1,
        [expect.stringMatching(/^rebuild satisfaction-follow-up: 409 .*a process, not a read model/)],
      ]);
      const listed = await sdAsync(data, ['projections', 'list', '--table'], env);
      expect(listed.status).toBe(0);
      expect(listed.stdout).toMatch(/^request-summaries +running +\d+ +0 +\d+ +- +-$/m);
      const elsewhere = await sdAsync(data, ['projections', 'list'], {
        ...env,
        AUTH_SECRET: 'the-secret-of-another-desk-long-enough-for-hs256',
      });
      expect([elsewhere.status, lines(elsewhere.stderr)]).toEqual([
        1,
        [expect.stringMatching(new RegExp(`^projections list: the desk at ${env.SD_URL} answered 401 `))],
      ]);
    } finally {
      await desk.stop();
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('sd on the read models a running desk built', () => {
  it('draws an impact chain from them, and measures a what-if beside the standard in force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'desk-sd-live-'));
    const store = await createEventStore({ dataDir: dir });
    const readModels = await createReadModelStore({ dataDir: dir });
    const desk = await TestDesk.start({ store, readModels });
    try {
      await loadDemoDesk(store, desk.clock.now());
      await desk.expect(200, 'GET', `/queues/front-desk?minPosition=${await store.headPosition()}`, { as: agent() });
      const tree = await sdAsync(dir, ['impact', 'it-switch', '--table']);
      expect([tree.status, lines(tree.stdout)[1]]).toEqual([
        0,
        '└─ blocks → it-phones [it, internal, customer-facing, on_hold, high] Phone system down at reception',
      ]);
      const standard = join(dir, 'standard.json');
      writeFileSync(
        standard,
        JSON.stringify({ targets: [{ priority: 'high', audience: 'external', firstResponseMinutes: 5, resolutionMinutes: 30 }] }),
      );
      const args = [
        'what-if',
        '--department',
        'front-desk',
        '--from',
        '2000-01-01T00:00:00Z',
        '--to',
        '2100-01-01T00:00:00Z',
        '--standard',
        standard,
      ];
      const table = await sdAsync(dir, [...args, '--table']);
      expect(table.status).toBe(0);
      expect(lines(table.stdout)[0]).toMatch(/^front-desk: 4 requests measured from 2000-01-01 00:00 to 2100-01-01 00:00/);
      expect(lines(table.stdout)[1]).toMatch(
        /^audience +target +in force met\/breached\/pending +compliance +what-if met\/breached\/pending/,
      );
      const answer = JSON.parse((await sdAsync(dir, args)).stdout);
      expect(answer).toMatchObject({ departmentId: 'front-desk', requests: 4 });
      const external = answer.whatIf.external.firstResponse;
      expect(table.stdout).toMatch(
        new RegExp(`^external +first response +\\d+/\\d+/\\d+ +\\S+ +${external.met}/${external.breached}/${external.pending} `, 'm'),
      );
    } finally {
      await desk.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('npm run sd and npm run token', () => {
  it('run the build, and say to build when it is missing instead of compiling each time', () => {
    const run = spawnSync(process.execPath, ['-e', "require('./apps/cli/bin/run-built')('sd', 'dist/not-built.js', [])"], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect([run.status, run.stderr]).toEqual([2, 'sd is not built yet: run npm run build once (and again after changing the code)\n']);
  });
});
