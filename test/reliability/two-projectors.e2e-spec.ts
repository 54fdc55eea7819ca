import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@desk/event-store';
import { DeskHistory, SYSTEM } from '@desk/application/testing/desk-history';
import { followUpRequestId } from '@desk/application';
import type { RequestCommand, SlaTarget } from '@desk/domain';
import { describeSkipped } from '../support/describe-skipped';
import { dumpReadModels, project } from '../read-models/support/read-model-backends';
import { embeddedBackend, postgresBackend, type DeskBackend } from '../support/desk-backends';
import { exited, spawnApp, until } from '../support/child-apps';
import { readWholeLog } from '../support/shared-event-stores';

/**
 * Two real projector processes at once on one desk: they share the event
 * store and the read models, and each runs every projection, the SLA watch
 * (every 100 ms) and the satisfaction follow-up. The history's SLA targets are
 * long past due at wall-clock time, and some ratings are poor. Whatever the
 * interleaving (and a SIGKILL of one of them midway, then a restart), the log
 * ends with exactly one SlaBreached per target past due, exactly one follow-up
 * per poor rating, and read models equal to a fresh projection of that log.
 */
const SCALE = Number(process.env.RELIABILITY_SCALE ?? 1);
const PROJECTIONS = ['request-summaries', 'impact-chain', 'satisfaction-follow-up'];
const MINUTE = 60_000;

type Target = 'first_response' | 'resolution';

interface Scenario {
  /** What happens to the request, minutes after it was opened. */
  build(desk: DeskHistory, id: string, opened: number): void;
  /** Targets past due now (judged by hand from the SPEC's rules, not by the product). */
  breached: Target[];
  department?: 'it' | 'shop' | 'plain';
  poor?: boolean;
}

const INTERNAL_TARGETS: SlaTarget[] = [{ priority: 'medium', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 240 }];
const EXTERNAL_TARGETS: SlaTarget[] = [{ priority: 'medium', audience: 'external', firstResponseMinutes: 30, resolutionMinutes: 240 }];

const at = (desk: DeskHistory, opened: number, minutes: number) => desk.at(new Date(opened + minutes * MINUTE).toISOString());
const reply = (desk: DeskHistory, id: string) =>
  desk.request(id, { type: 'AddComment', data: { commentId: randomUUID(), body: 'on it', visibility: 'public' } });
const rate = (desk: DeskHistory, id: string, requester: string, score: number) =>
  desk.request(id, { type: 'RateSatisfaction', data: { score, comment: `rated ${score}` } } as RequestCommand, {
    id: requester,
    role: 'requester',
  });

/** Each scenario runs within 290 minutes of its opening (targets: first response 30, resolution 240, every minute counts). */
const SCENARIOS: Scenario[] = [
  { build: () => undefined, breached: ['first_response', 'resolution'] },
  { build: (d, id, o) => reply(at(d, o, 10), id), breached: ['resolution'] },
  { build: (d, id, o) => reply(at(d, o, 60), id), breached: ['first_response', 'resolution'] },
  {
    build: (d, id, o) => {
      reply(at(d, o, 10), id).work(id);
      at(d, o, 60).resolve(id);
      rate(at(d, o, 70), id, 'rita', 1);
    },
    breached: [],
    poor: true,
  },
  {
    build: (d, id, o) => {
      reply(at(d, o, 10), id).work(id);
      at(d, o, 290).resolve(id);
    },
    breached: ['resolution'],
  },
  {
    build: (d, id, o) => {
      reply(at(d, o, 10), id).work(id);
      at(d, o, 280).resolve(id);
      rate(at(d, o, 285), id, 'rita', 2);
    },
    breached: ['resolution'],
    poor: true,
  },
  {
    build: (d, id, o) => {
      reply(at(d, o, 10), id).work(id);
      at(d, o, 60).resolve(id);
      rate(at(d, o, 70), id, 'rita', 4);
    },
    breached: [],
  },
  { build: (d, id, o) => at(d, o, 5).request(id, { type: 'CancelRequest', data: { reason: 'withdrawn' } }), breached: [] },
  {
    // The requester's silence stops the clock at +10, before either target.
    build: (d, id, o) => {
      at(d, o, 5).work(id);
      at(d, o, 10).request(id, { type: 'PutOnHold', data: { reason: 'awaiting_requester' } });
    },
    breached: [],
  },
  {
    // A third party's silence does not.
    build: (d, id, o) => {
      at(d, o, 5).work(id);
      at(d, o, 10).request(id, { type: 'PutOnHold', data: { reason: 'awaiting_third_party' } });
    },
    breached: ['first_response', 'resolution'],
  },
  { build: () => undefined, breached: [], department: 'plain' },
  {
    // The first-response breach is recorded already: the watchers add only the resolution one.
    build: (d, id, o) => at(d, o, 40).request(id, { type: 'RecordSlaBreach', data: { target: 'first_response' } }, SYSTEM),
    breached: ['first_response', 'resolution'],
  },
  {
    build: (d, id, o) => {
      reply(at(d, o, 10), id).work(id);
      at(d, o, 60).resolve(id);
      at(d, o, 65).request(id, { type: 'CloseRequest', data: {} });
      rate(at(d, o, 70), id, 'rita', 2);
    },
    breached: [],
    poor: true,
  },
  { build: () => undefined, breached: ['first_response', 'resolution'], department: 'shop' },
  {
    build: (d, id, o) => {
      reply(at(d, o, 10), id).work(id);
      at(d, o, 100).resolve(id);
      rate(at(d, o, 110), id, 'olga', 1);
    },
    breached: [],
    department: 'shop',
    poor: true,
  },
];

interface Plan {
  events: RecordedEvent[];
  /** `request-<id>/<target>` */
  breaches: Set<string>;
  poorRatings: string[];
  /** Index of the first event of the second half of the requests. */
  half: number;
}

function plan(copies: number): Plan {
  const now = Date.now();
  // Each request gets 300 minutes of its own; the last one ends two hours ago.
  const start = now - (copies * SCENARIOS.length * 300 + 120) * MINUTE;
  const desk = new DeskHistory(new Date(start - MINUTE).toISOString())
    .department('it', 'IT', INTERNAL_TARGETS)
    .department('shop', 'Shop', EXTERNAL_TARGETS)
    .department('plain', 'No standard')
    .internalCustomer('rita', 'it')
    .externalCustomer('olga');
  const breaches = new Set<string>();
  const poorRatings: string[] = [];
  let n = 0;
  let half = 0;
  for (let copy = 0; copy < copies; copy++) {
    if (copy === Math.floor(copies / 2)) half = desk.events.length;
    SCENARIOS.forEach((scenario, index) => {
      const id = `r-${copy}-${index}`;
      const opened = start + n++ * 300 * MINUTE;
      const department = scenario.department ?? 'it';
      at(desk, opened, 0).open(id, department === 'shop' ? 'olga' : 'rita', department);
      scenario.build(desk, id, opened);
      for (const target of scenario.breached) breaches.add(`request-${id}/${target}`);
      if (scenario.poor) poorRatings.push(id);
    });
  }
  if (start + n * 300 * MINUTE > now - 60 * MINUTE) throw new Error('the history must end well before now');
  // Opened a minute ago: nothing is due before this spec ends.
  desk.at(new Date(now - MINUTE).toISOString()).open('fresh', 'rita', 'it');
  return { events: desk.events, breaches, poorRatings, half };
}

interface Projector {
  child: ChildProcess;
  out: string[];
  err: string[];
}

function startProjector(dataDir: string, env: Record<string, string>): Projector {
  const child = spawnApp('projector', {
    DATA_DIR: dataDir,
    PROJECTION_BATCH_SIZE: '5',
    SLA_WATCH_INTERVAL_MS: '100',
    PROJECTOR_PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  const projector: Projector = { child, out: [], err: [] };
  child.stdout!.on('data', (chunk) => projector.out.push(String(chunk)));
  child.stderr!.on('data', (chunk) => projector.err.push(String(chunk)));
  return projector;
}

/** Waits for the check while every watched projector lives; a projector that ends fails the wait with what it wrote. */
function whileRunning(check: () => boolean | Promise<boolean>, timeoutMs: number, watched: Projector[]): Promise<void> {
  return until(
    async () => {
      if (watched.some((p) => p.child.exitCode !== null))
        throw new Error(`a projector ended: ${watched.map((p) => p.err.join('')).join('')}`);
      return check();
    },
    timeoutMs,
    `the projectors (${watched.map((p) => p.err.join('')).join('')})`,
  );
}

function logLines(projector: Projector): { level: string; msg: string }[] {
  return projector.out
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return { level: 'unparsed', msg: line };
      }
    });
}

function tally(events: RecordedEvent[], expected: Plan) {
  const breaches = new Map<string, number>();
  for (const event of events.filter((e) => e.type === 'SlaBreached')) {
    const key = `${event.streamId}/${String(event.data.target)}`;
    breaches.set(key, (breaches.get(key) ?? 0) + 1);
  }
  const followUps = new Map<string, string[]>();
  for (const event of events.filter((e) => e.type === 'RequestOpened' && e.data.followUpOf !== undefined)) {
    const of = String(event.data.followUpOf);
    followUps.set(of, [...(followUps.get(of) ?? []), String(event.data.requestId)]);
  }
  // At least as many as expected: more is a defect the assertions then show.
  const done = breaches.size >= expected.breaches.size && followUps.size >= expected.poorRatings.length;
  return { breaches, followUps, done };
}

function describeTwoProjectors(name: string, makeBackend: (dataDir: string) => Promise<DeskBackend>) {
  describe(`two projector processes at once (${name})`, () => {
    let dataDir: string;
    let backend: DeskBackend;
    let running: Projector[] = [];

    beforeEach(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'desk-two-projectors-'));
      backend = await makeBackend(dataDir);
    });
    afterEach(async () => {
      for (const { child } of running) child.kill('SIGKILL');
      await Promise.all(running.map(({ child }) => exited(child)));
      running = [];
      await backend.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('record one SlaBreached per target past due and one follow-up per poor rating, even with one killed midway, and leave read models equal to a fresh projection', async () => {
      const expected = plan(6 * SCALE);
      const store = await backend.openEvents();
      try {
        // Two start together on an empty desk, and the first half of the history arrives while they run.
        const first = startProjector(dataDir, backend.env);
        const second = startProjector(dataDir, backend.env);
        running.push(first, second);
        await whileRunning(() => [first, second].every((p) => p.out.join('').includes('projector running')), 30_000, [first, second]);
        // Each request's story is appended at once: a watcher never sees it half told (open, with its resolution still
        // to come), which no real writer shows either (imported requests carry no SLA).
        const append = async (events: RecordedEvent[]) => {
          let last = 0n;
          for (let start = 0; start < events.length;) {
            let end = start + 1;
            while (end < events.length && events[end].streamId === events[start].streamId) end++;
            const run = events.slice(start, end).map(({ id, type, data, metadata }) => ({ id, type, data, metadata }));
            const revision = events[start].revision;
            const expectedRevision = revision === 0n ? ('no_stream' as const) : revision - 1n;
            last = (await store.appendToStream(events[start].streamId, run, { expectedRevision })).position;
            start = end;
          }
          return last;
        };
        // The first is killed while the first half arrives, once the shared checkpoints are a third of the way
        // through it, and started again.
        const aThird = BigInt(Math.floor(expected.half / 3));
        const killed = whileRunning(async () => ((await backend.checkpoints()).get('request-summaries') ?? 0n) >= aThird, 30_000, [
          first,
          second,
        ]).then(async () => {
          first.child.kill('SIGKILL');
          await exited(first.child);
          return (await backend.checkpoints()).get('request-summaries') ?? 0n;
        });
        const firstHalf = await append(expected.events.slice(0, expected.half));
        const killedAt = await killed;
        const third = startProjector(dataDir, backend.env);
        running.push(third);
        await whileRunning(() => third.out.join('').includes('projector running'), 30_000, [second, third]);

        // The second half arrives while both run: both watchers find the same breaches, both follow-ups the same ratings.
        const written = await append(expected.events.slice(expected.half));

        // Both watch until the log has every breach and follow-up, the read models have caught up with it,
        // and nothing more arrives for a second (some ten watch passes each).
        let stableSince = Date.now();
        let lastHead = -1n;
        let log: RecordedEvent[] = [];
        for (const end = Date.now() + 40_000; ;) {
          const head = await store.headPosition();
          if (head !== lastHead) {
            lastHead = head;
            stableSince = Date.now();
          }
          const checkpoints = await backend.checkpoints();
          log = await readWholeLog(store);
          const caughtUp = PROJECTIONS.every((projection) => checkpoints.get(projection) === head);
          if (caughtUp && tally(log, expected).done && Date.now() - stableSince > 1000) break;
          if (Date.now() > end || second.child.exitCode !== null || third.child.exitCode !== null) {
            throw new Error(
              `the projectors did not settle: head ${head}, checkpoints ${JSON.stringify([...checkpoints].map(([k, v]) => [k, String(v)]))}, ` +
                `breaches ${tally(log, expected).breaches.size}/${expected.breaches.size}, follow-ups ${tally(log, expected).followUps.size}/${expected.poorRatings.length}\n` +
                `${second.err.join('')}${third.err.join('')}`,
            );
          }
          await new Promise((r) => setTimeout(r, 50));
        }

        second.child.kill('SIGTERM');
        third.child.kill('SIGTERM');
        expect([await exited(second.child), await exited(third.child)]).toEqual([0, 0]);
        for (const projector of [first, second, third]) {
          expect(projector.err.join('')).toBe('');
          // Not even a warning: no watch pass failed, no projection restarted, none faulted.
          expect(logLines(projector).filter((line) => line.level !== 'info')).toEqual([]);
        }
        log = await readWholeLog(store);
        expect(await store.headPosition()).toBe(lastHead);
        if (process.env.DEBUG_TWO_PROJECTORS)
          console.log(
            JSON.stringify({
              written: String(written),
              firstHalf: String(firstHalf),
              killedAt: String(killedAt),
              head: String(lastHead),
              lines: [first, second, third].map((p) =>
                logLines(p)
                  .filter((l) => l.level !== 'info' || /breach|follow/.test(l.msg))
                  .map((l) => ({ ...l, msg: l.level === 'warn' ? JSON.stringify(l) : l.msg }))
                  .reduce((m: Record<string, number>, l) => ({ ...m, [l.level + ' ' + l.msg]: (m[l.level + ' ' + l.msg] ?? 0) + 1 }), {}),
              ),
            }),
          );

        // Exactly one breach per target past due, none elsewhere.
        const { breaches, followUps } = tally(log, expected);
        const unexpected = log.filter((e) => e.type === 'SlaBreached' && !expected.breaches.has(`${e.streamId}/${String(e.data.target)}`));
        expect(
          unexpected.map((e) => ({
            ...e,
            history: log.filter((x) => x.streamId === e.streamId).map((x) => [x.type, x.data, x.metadata.occurredAt]),
          })),
        ).toEqual([]);
        expect([...breaches.keys()].sort()).toEqual([...expected.breaches].sort());
        expect([...breaches.values()].every((count) => count === 1)).toBe(true);

        // Exactly one follow-up per poor rating, named after its rating event.
        const ratings = new Map(log.filter((e) => e.type === 'SatisfactionRated').map((e) => [String(e.data.requestId), e]));
        expect([...followUps.keys()].sort()).toEqual([...expected.poorRatings].sort());
        for (const [rated, opened] of followUps) expect(opened).toEqual([followUpRequestId(ratings.get(rated)!.id)]);
        const revisions = new Map<string, bigint[]>();
        for (const event of log) revisions.set(event.streamId, [...(revisions.get(event.streamId) ?? []), event.revision]);
        for (const list of revisions.values()) expect(list).toEqual(list.map((_, index) => BigInt(index)));

        // Checkpoints at the head, and read models equal to a fresh projection of the final log: no double effect.
        const checkpoints = await backend.checkpoints();
        expect(PROJECTIONS.map((projection) => checkpoints.get(projection))).toEqual(PROJECTIONS.map(() => lastHead));
        const live = await backend.openReadModels();
        const fresh = await backend.openFreshReadModels();
        try {
          await project(fresh, log);
          expect(await dumpReadModels(live)).toEqual(await dumpReadModels(fresh));
        } finally {
          await live.close();
          await fresh.close();
        }
      } finally {
        await store.close();
      }
    }, 90_000);
  });
}

describeTwoProjectors('embedded events and read models', async (dataDir) => embeddedBackend(dataDir));

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describeTwoProjectors('PostgreSQL events and read models', () => postgresBackend(databaseUrl));
} else {
  describeSkipped('two projector processes at once (PostgreSQL events and read models)', 'DATABASE_URL is not set');
}
