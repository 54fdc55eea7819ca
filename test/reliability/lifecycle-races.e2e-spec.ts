import fc from 'fast-check';
import type { EventStore, RecordedEvent } from '@desk/event-store';
import type { TokenRole } from '@desk/application';
import { allProjections } from '@desk/read-models';
import { embeddedStoresOnOneFile, postgresStoresOnOneSchema, readWholeLog, type SharedEventStores } from '../support/shared-event-stores';
import { describeSkipped } from '../support/describe-skipped';
import { seedOrganisation } from '../api/support/org';
import { manager, TestClock, TestDesk, type HttpAnswer } from '../api/support/test-desk';
import { auditImpactLog, auditRequestStream } from './support/race-audit';

/**
 * Many clients (agents, the requesters, a manager) racing on the same few
 * requests with a generated mix of lifecycle commands, on one API instance
 * and on two instances sharing one store. Whatever the interleaving: no 5xx,
 * every refusal is a 4xx problem document, every accepted answer names an
 * event of the log that its command appended (and nothing else did), each
 * stream's revisions are gap-free, the log folds into a legal lifecycle, and
 * the read models agree with the log once they have reached its head.
 * Seeded: RELIABILITY_SEED reproduces a run, RELIABILITY_SCALE runs more rounds.
 */
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261124);
const SCALE = Number(process.env.RELIABILITY_SCALE ?? 1);
const CALLERS = 30;
const STEPS = 4;
const REQUESTS = 3;
const REQUESTERS = ['anna', 'carl', 'bob'];
const DEPARTMENTS = ['it', 'front-desk'];

/** What people at the desk do (cancelling, which ends a request, is rare); a few are not theirs to do (403). */
const WORKER_COMMANDS = [
  ...['assign', 'assign', 'assign', 'start', 'start', 'start', 'hold', 'hold', 'resume', 'resume', 'resolve', 'resolve', 'resolve'],
  ...['comment', 'comment', 'priority', 'escalate', 'transfer', 'link', 'link', 'unlink', 'reopen', 'close', 'satisfaction'],
] as const;
/** What requesters do; resolving is not theirs to do (403). */
const REQUESTER_COMMANDS = [
  'satisfaction',
  'satisfaction',
  'satisfaction',
  'close',
  'close',
  'reopen',
  'comment',
  'comment',
  'resolve',
] as const;
type CommandName = (typeof WORKER_COMMANDS)[number] | (typeof REQUESTER_COMMANDS)[number] | 'cancel';

interface Step {
  command: CommandName;
  target: number;
  other: number;
  agent: number;
  pick: number;
  /** Read the request first and send its ETag as If-Match. */
  ifMatch: boolean;
  /** Send the command twice at once with one Idempotency-Key. */
  twice: boolean;
  /** Which API instance to ask. */
  instance: number;
}

interface Caller {
  role: 'agent' | 'manager' | 'requester';
  /** Agents and requesters: which one; a requester acts on their own requests, or (sometimes) another's. */
  who: number;
  steps: Step[];
}

const step = (commands: readonly CommandName[]): fc.Arbitrary<Step> =>
  fc.noBias(
    fc.record({
      // A cancelled request takes no more work: about one command in a hundred cancels.
      command: fc.oneof(
        { arbitrary: fc.constantFrom(...commands), weight: 99 },
        { arbitrary: fc.constant<CommandName>('cancel'), weight: 1 },
      ),
      target: fc.nat(REQUESTS - 1),
      other: fc.nat(REQUESTS - 1),
      agent: fc.nat(3),
      pick: fc.nat(11),
      ifMatch: fc.nat(3).map((n) => n === 0),
      twice: fc.nat(9).map((n) => n === 0),
      instance: fc.nat(1),
    }),
  );
const caller: fc.Arbitrary<Caller> = fc
  .constantFrom('agent', 'agent', 'agent', 'agent', 'manager', 'requester', 'requester')
  .chain((role) =>
    fc.record({
      role: fc.constant(role),
      who: fc.nat(9),
      steps: fc.array(step(role === 'requester' ? REQUESTER_COMMANDS : WORKER_COMMANDS), { minLength: STEPS, maxLength: STEPS }),
    }),
  );
// No bias towards "small" values: the mix is the weights above, from the first round on.
const round = fc.noBias(fc.array(caller, { minLength: CALLERS, maxLength: CALLERS }));

interface Sent {
  correlationId: string;
  command: CommandName;
  streamId: string;
  answers: HttpAnswer[];
}

const PROBLEM_STATUSES = [403, 404, 409, 412];
/** The row's revision is that of the last event the projection reads (comments, say, it does not). */
const SUMMARY_TYPES = allProjections().find((projection) => projection.name === 'request-summaries')!.eventTypes;

function describeRaces(name: string, instances: 1 | 2, rounds: number, makeStores: () => Promise<SharedEventStores>) {
  describe(`lifecycle commands raced by many clients (${name})`, () => {
    let desks: TestDesk[];
    let store: EventStore;
    let cleanup: () => Promise<void>;
    let clock: TestClock;

    beforeAll(async () => {
      const made = await makeStores();
      cleanup = made.cleanup;
      store = made.stores[0];
      clock = new TestClock();
      // The watch does not run by itself: the race ticks it, at moments of its own.
      const env = { SLA_WATCH_INTERVAL_MS: '3600000', READ_CACHE_MS: '0' };
      desks = [];
      for (let n = 0; n < instances; n++) desks.push(await TestDesk.start({ store: made.stores[n], clock, env }));
      await seedOrganisation(desks[0]);
    });
    afterAll(async () => {
      for (const desk of desks ?? []) await desk.stop();
      await cleanup?.();
    });

    it(`${rounds} rounds of ${CALLERS} concurrent callers × ${STEPS} commands on ${REQUESTS} requests keep the log, the answers and the read models consistent`, async () => {
      let run = 0;
      const statuses = new Map<number, number>();
      const byCommand = new Map<string, number>();
      let slaBreaches = 0;
      const outcome = await fc.check(
        fc.asyncProperty(round, async (callers) => {
          run++;
          const ids = Array.from({ length: REQUESTS }, (_, n) => `race-${run}-${n}`);
          const requesterOf = (n: number) => REQUESTERS[(run + n) % REQUESTERS.length];
          for (const [n, id] of ids.entries()) {
            await desks[0].expect(201, 'POST', '/requests', {
              as: { sub: 'agent-0', role: 'agent' },
              body: { id, requesterId: requesterOf(n), departmentId: 'it', subject: `Raced ${id}`, priority: 'high' },
              headers: { 'x-correlation-id': `open-${id}` },
            });
          }

          // 45 minutes later the first responses are past due (high, internal: 30): the SLA watch of every instance
          // races the clients, recording breaches on the same streams.
          const opened = (await store.headPosition()) as bigint;
          for (const desk of desks) expect(await desk.readSide.waitFor(['request-summaries'], opened, 10_000)).toBe(true);
          clock.advanceMinutes(45);
          const watchers = desks.flatMap((desk) =>
            [0, 5, 15].map((ms) => new Promise((resolve) => setTimeout(resolve, ms)).then(() => desk.readSide.slaWatch!.tickOnce())),
          );

          const sent: Sent[] = [];
          await Promise.all([
            ...watchers,
            ...callers.map(async (who, c) => {
              for (const [s, plan] of who.steps.entries()) {
                const correlationId = `r${run}-c${c}-s${s}`;
                const desk = desks[plan.instance % desks.length];
                const id = ids[plan.target];
                const other = ids[(plan.target + 1 + (plan.other % (REQUESTS - 1))) % REQUESTS];
                const sub =
                  who.role === 'agent'
                    ? `agent-${who.who % 4}`
                    : who.role === 'manager'
                      ? manager.sub
                      : who.who === 0
                        ? REQUESTERS[(REQUESTERS.indexOf(requesterOf(plan.target)) + 1) % REQUESTERS.length]
                        : requesterOf(plan.target);
                const as = { sub, role: who.role as TokenRole };
                const { method, url, body } = http(plan, id, other, sub);
                const headers: Record<string, string> = { 'x-correlation-id': correlationId };
                if (plan.ifMatch) {
                  const current = await desk.call('GET', `/requests/${id}`, { as });
                  // A requester's view has no ETag (internal activity moves the revision): they send none.
                  if (current.status === 200 && current.headers.etag !== undefined) headers['if-match'] = String(current.headers.etag);
                }
                if (plan.twice) headers['idempotency-key'] = `key-${correlationId}`;
                const calls = plan.twice ? [desk, desks[(plan.instance + 1) % desks.length]] : [desk];
                const answers = await Promise.all(calls.map((d) => d.call(method, url, { as, body, headers })));
                const streamId = plan.command === 'link' || plan.command === 'unlink' ? 'impact-graph' : `request-${id}`;
                sent.push({ correlationId, command: plan.command, streamId, answers });
              }
            }),
          ]);

          // Every answer: 2xx, or a 4xx problem document; never a 5xx.
          for (const { correlationId, command, answers } of sent) {
            for (const answer of answers) {
              statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
              byCommand.set(`${command} ${answer.status}`, (byCommand.get(`${command} ${answer.status}`) ?? 0) + 1);
              if (answer.status >= 200 && answer.status < 300) continue;
              if (!PROBLEM_STATUSES.includes(answer.status)) throw new Error(`${correlationId}: ${answer.status} ${answer.raw}`);
              expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
              expect(answer.body.status).toBe(answer.status);
            }
          }

          const log = await readWholeLog(store);
          const byCorrelation = new Map<string, RecordedEvent[]>();
          for (const event of log) {
            const key = String(event.metadata.correlationId);
            byCorrelation.set(key, [...(byCorrelation.get(key) ?? []), event]);
          }

          // Each accepted command's events are in the log once, where its answer says; refused ones left nothing.
          const acceptedRevisions = new Map<string, Set<string>>();
          for (const { correlationId, streamId, answers } of sent) {
            const accepted = answers.filter((answer) => answer.status < 300);
            const correlated = byCorrelation.get(correlationId) ?? [];
            // A poor rating's follow-up carries the rating's correlation on; it is caused by the rating event.
            const events = correlated.filter((event) => event.streamId === streamId);
            const caused = correlated.filter((event) => event.streamId !== streamId);
            const ratings = new Set(events.filter((event) => event.type === 'SatisfactionRated').map((event) => event.id));
            expect(caused.filter((event) => !(event.type === 'RequestOpened' && ratings.has(String(event.metadata.causationId))))).toEqual(
              [],
            );
            if (accepted.length === 0) {
              expect({ correlationId, events: events.map((e) => e.type) }).toEqual({ correlationId, events: [] });
              continue;
            }
            // A command sent twice with one key is answered once: both answers are the first one.
            for (const answer of accepted) expect(answer.body).toEqual(accepted[0].body);
            const { revision, position } = accepted[0].body;
            if (new Set(events.map((event) => event.metadata.causationId)).size !== 1) {
              const shown = events.map((e) => [e.streamId, String(e.revision), e.type, e.metadata.causationId, e.metadata.idempotencyKey]);
              const replies = answers.map((a) => [a.status, a.raw]);
              throw new Error(`${correlationId} appended by more than one command: ${JSON.stringify({ shown, replies })}`);
            }
            const last = events[events.length - 1];
            expect([String(last.revision), String(last.position)]).toEqual([revision, position]);
            expect(events.map((event) => event.revision)).toEqual(events.map((_, n) => last.revision - BigInt(events.length - 1 - n)));
            const seen = acceptedRevisions.get(streamId) ?? new Set<string>();
            expect(seen.has(revision)).toBe(false);
            seen.add(revision);
            acceptedRevisions.set(streamId, seen);
          }

          // Nothing else wrote to the raced requests: every event after the opening is some accepted command's.
          const ours = new Set(sent.filter((s) => s.answers.some((a) => a.status < 300)).map((s) => s.correlationId));
          for (const id of ids) {
            const stream = log.filter((event) => event.streamId === `request-${id}`);
            expect(stream[0].metadata.correlationId).toBe(`open-${id}`);
            const strangers = stream.slice(1).filter((event) => !ours.has(String(event.metadata.correlationId)));
            // …but the SLA watch's breaches, at most one per target (the audit below checks that too).
            const breaches = strangers.filter((event) => event.type === 'SlaBreached' && event.metadata.actor === 'system:sla-watch');
            expect(strangers.filter((event) => !breaches.includes(event)).map((event) => [event.type, event.metadata.actor])).toEqual([]);
            expect(new Set(breaches.map((event) => event.data.target)).size).toBe(breaches.length);
            slaBreaches += breaches.length;
          }

          // The log folds into a legal lifecycle, and the impact graph never held a cycle.
          const states = new Map(ids.map((id) => [id, auditRequestStream(log.filter((event) => event.streamId === `request-${id}`))]));
          auditImpactLog(log);

          // Every poor rating is followed up once (both instances run the follow-up process).
          const head = log[log.length - 1].position;
          for (const desk of desks) expect(await desk.readSide.waitFor(desk.readSide.projectionNames, head, 10_000)).toBe(true);
          const followUps = (await readWholeLog(store)).filter(
            (e) => e.type === 'RequestOpened' && ids.includes(String(e.data.followUpOf)),
          );
          const poor = log.filter(
            (e) => e.type === 'SatisfactionRated' && ids.includes(String(e.data.requestId)) && Number(e.data.score) <= 2,
          );
          expect(followUps.map((e) => e.data.followUpOf).sort()).toEqual(poor.map((e) => e.data.requestId).sort());

          // Each instance's answers and read models agree with the log's last state once they have reached its head.
          for (const desk of desks) {
            for (const [id, state] of states) {
              if (state.status === 'absent') throw new Error(`${id} was never opened`);
              const stream = log.filter((event) => event.streamId === `request-${id}`);
              const view = await desk.expect(200, 'GET', `/requests/${id}`, { as: { sub: 'agent-0', role: 'agent' } });
              const wanted = {
                status: state.status,
                assigneeId: state.assigneeId,
                priority: state.priority,
                tier: state.tier,
                departmentId: state.departmentId,
              };
              expect({ id, ...pick(view, wanted) }).toEqual({ id, ...wanted, revision: String(stream[stream.length - 1].revision) });
              const row = await desk.readModels.reader
                .selectFrom('request_summaries')
                .selectAll()
                .where('request_id', '=', id)
                .executeTakeFirstOrThrow();
              expect({
                id,
                status: row.status,
                assigneeId: row.assignee_id,
                priority: row.priority,
                tier: row.tier,
                departmentId: row.department_id,
                revision: String(row.revision),
                reopenCount: row.reopen_count,
                satisfaction: row.satisfaction_score,
              }).toEqual({
                id,
                ...wanted,
                revision: String(stream.filter((event) => SUMMARY_TYPES.has(event.type)).at(-1)!.revision),
                reopenCount: state.reopenCount,
                satisfaction: state.satisfaction?.score ?? null,
              });
            }
            for (const department of DEPARTMENTS) {
              const queue = await desk.expect(200, 'GET', `/queues/${department}?limit=200&minPosition=${head}`, {
                as: manager,
              });
              const listed = queue.items
                .filter((item: { requestId: string }) => ids.includes(item.requestId))
                .map((item: { requestId: string; status: string; assigneeId?: string; priority: string; tier: string }) => ({
                  id: item.requestId,
                  status: item.status,
                  assigneeId: item.assigneeId,
                  priority: item.priority,
                  tier: item.tier,
                }))
                .sort((a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id));
              const open = [...states]
                .filter(
                  ([, s]) =>
                    s.status !== 'absent' &&
                    s.departmentId === department &&
                    ['new', 'assigned', 'in_progress', 'on_hold'].includes(s.status),
                )
                .map(([id, s]) =>
                  s.status === 'absent' ? { id } : { id, status: s.status, assigneeId: s.assigneeId, priority: s.priority, tier: s.tier },
                );
              expect(listed).toEqual(open);
            }
          }
        }),
        { seed: SEED, numRuns: rounds, endOnFailure: true },
      );
      // The failing round's plan is long: name the seed and path that replay it, and the first broken property.
      if (outcome.failed) {
        throw new Error(
          `round ${outcome.counterexamplePath} of seed ${outcome.seed} failed:\n${(outcome.errorInstance as Error | undefined)?.stack ?? ''}`,
        );
      }
      if (process.env.DEBUG_RACES) console.log(JSON.stringify(Object.fromEntries([...byCommand].sort())));
      // The mix did race: commands were accepted and refused, and the watch recorded breaches meanwhile.
      expect(slaBreaches).toBeGreaterThan(0);
      expect(statuses.get(200)).toBeGreaterThan(0);
      expect(statuses.get(409)).toBeGreaterThan(0);
    }, 120_000);
  });
}

function pick(view: Record<string, unknown>, like: Record<string, unknown>): Record<string, unknown> {
  return { ...Object.fromEntries(Object.keys(like).map((key) => [key, view[key]])), revision: view.revision };
}

function http(plan: Step, id: string, other: string, sub: string): { method: 'POST' | 'DELETE'; url: string; body?: unknown } {
  const choose = <T>(list: readonly T[]) => list[plan.pick % list.length];
  const reason = { reason: `because ${plan.pick}` };
  switch (plan.command) {
    case 'assign':
      // Mostly to oneself (an agent takes the request, then starts it), sometimes to a colleague.
      return {
        method: 'POST',
        url: `/requests/${id}/assign`,
        body: { agentId: plan.agent === 0 || !sub.startsWith('agent-') ? `agent-${plan.pick % 4}` : sub },
      };
    case 'start':
    case 'resume':
    case 'close':
      return { method: 'POST', url: `/requests/${id}/${plan.command}` };
    case 'hold':
      return { method: 'POST', url: `/requests/${id}/hold`, body: { reason: choose(['awaiting_requester', 'awaiting_third_party']) } };
    case 'resolve':
      return { method: 'POST', url: `/requests/${id}/resolve`, body: { resolution: 'fixed' } };
    case 'reopen':
    case 'cancel':
    case 'escalate':
      return { method: 'POST', url: `/requests/${id}/${plan.command}`, body: reason };
    case 'comment':
      return {
        method: 'POST',
        url: `/requests/${id}/comments`,
        body: { body: `note ${plan.pick}`, visibility: choose(['public', 'public', 'internal']) },
      };
    case 'priority':
      return {
        method: 'POST',
        url: `/requests/${id}/priority`,
        body: { priority: choose(['critical', 'high', 'medium', 'low']), ...reason },
      };
    case 'transfer':
      return { method: 'POST', url: `/requests/${id}/transfer`, body: { departmentId: choose(DEPARTMENTS), ...reason } };
    case 'satisfaction':
      return { method: 'POST', url: `/requests/${id}/satisfaction`, body: { score: (plan.pick % 5) + 1, comment: 'so so' } };
    case 'link':
      return { method: 'POST', url: `/requests/${id}/impacts`, body: { effectRequestId: other, relation: choose(['blocks', 'degrades']) } };
    case 'unlink':
      return { method: 'DELETE', url: `/requests/${id}/impacts/${other}` };
  }
}

const ROUNDS = 8 * SCALE;

describeRaces('one API instance, embedded store', 1, ROUNDS, () => embeddedStoresOnOneFile(1, 'desk-lifecycle-races-'));

// Each instance has its own connection, cache and per-stream queue: only the expected revision protects them.
describeRaces('two API instances on one embedded store', 2, ROUNDS, () => embeddedStoresOnOneFile(2, 'desk-lifecycle-races-'));

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describeRaces('two API instances on one PostgreSQL event store', 2, Math.max(2, ROUNDS / 2), () =>
    postgresStoresOnOneSchema(databaseUrl, 2, 'races'),
  );
} else {
  describeSkipped('lifecycle commands raced by many clients (two API instances on one PostgreSQL event store)', 'DATABASE_URL is not set');
}
