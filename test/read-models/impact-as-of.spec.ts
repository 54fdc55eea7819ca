import fc from 'fast-check';
import type { RequestCommand } from '@desk/domain';
import type { EventStore, ReadAllOptions, RecordedEvent } from '@desk/event-store';
import { DeskHistory } from '@desk/application/testing/desk-history';
import {
  blockedDownstreamAsOf,
  blockedDownstreamQuery,
  impactBlockers,
  impactChain,
  ImpactChainProjection,
  replayUntil,
  type ReadModelDb,
  type ReadModelStore,
} from '@desk/read-models';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';
import { IT_STANDARD } from './scenario-desk';
import { FRONT_DESK_TARGETS } from './vet-clinic.history';

const projections = () => [new ImpactChainProjection()];

/** Internal requests (eva's in IT, rita's exposed through the customer-facing front desk) and external customers' ones. */
const REQUESTS: Record<string, { requester: string; department: string }> = {
  r0: { requester: 'emp-eva', department: 'it' },
  r1: { requester: 'emp-eva', department: 'it' },
  r2: { requester: 'emp-eva', department: 'it' },
  r3: { requester: 'rec-rita', department: 'it' },
  r4: { requester: 'owner-olga', department: 'front-desk' },
  r5: { requester: 'owner-omar', department: 'front-desk' },
  r6: { requester: 'owner-olga', department: 'front-desk' },
};
const IDS = Object.keys(REQUESTS);
const DEPARTMENTS = ['it', 'front-desk'];

const id = fc.constantFrom(...IDS);
const priority = fc.constantFrom('critical', 'high', 'medium', 'low' as const);
type Action =
  | { kind: 'open'; id: string; priority: 'critical' | 'high' | 'medium' | 'low' }
  | { kind: 'work' | 'resolve' | 'reopen' | 'close' | 'cancel' | 'transfer'; id: string }
  | { kind: 'priority'; id: string; priority: 'critical' | 'high' | 'medium' | 'low' }
  | { kind: 'link'; cause: string; effect: string; relation: 'blocks' | 'degrades' }
  | { kind: 'unlink'; pick: number }
  | { kind: 'time'; minutes: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('open' as const), id, priority }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('work', 'resolve', 'reopen', 'close', 'cancel', 'transfer' as const), id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('priority' as const), id, priority }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('link' as const),
      cause: id,
      effect: id,
      relation: fc.constantFrom('blocks', 'degrades' as const),
    }),
  },
  // One of the links made so far (made again later, perhaps).
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('unlink' as const), pick: fc.nat() }) },
  // Mostly forward, sometimes back: an event before those already in the log (an import of older history).
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('time' as const), minutes: fc.integer({ min: -240, max: 180 }) }) },
);

function attempt(step: () => unknown): boolean {
  try {
    step();
    return true;
  } catch {
    return false;
  }
}

function historyOf(actions: readonly Action[]): DeskHistory {
  const history = new DeskHistory('2026-03-02T08:00:00.000Z')
    .department('it', 'IT', IT_STANDARD)
    .department('front-desk', 'Front desk', FRONT_DESK_TARGETS)
    .internalCustomer('rec-rita', 'front-desk', true)
    .internalCustomer('emp-eva', 'it')
    .externalCustomer('owner-olga')
    .externalCustomer('owner-omar')
    .advance(60);
  const command = (requestId: string, issued: RequestCommand) => history.request(requestId, issued);
  const linked: [string, string][] = [];
  for (const step of actions) {
    try {
      switch (step.kind) {
        case 'time':
          history.advance(step.minutes);
          break;
        case 'open':
          history.open(step.id, REQUESTS[step.id].requester, REQUESTS[step.id].department, { priority: step.priority });
          break;
        case 'work':
          history.work(step.id);
          break;
        case 'resolve':
          // Resolved from wherever it stands: assigned and started first when it is new.
          if (!attempt(() => history.resolve(step.id))) history.work(step.id).resolve(step.id);
          break;
        case 'reopen':
          if (!attempt(() => command(step.id, { type: 'ReopenRequest', data: { reason: 'not fixed' } }))) {
            history.work(step.id).resolve(step.id).advance(5);
            command(step.id, { type: 'ReopenRequest', data: { reason: 'not fixed' } });
          }
          break;
        case 'close':
          command(step.id, { type: 'CloseRequest', data: {} });
          break;
        case 'cancel':
          command(step.id, { type: 'CancelRequest', data: { reason: 'no longer needed' } });
          break;
        case 'transfer':
          command(step.id, {
            type: 'TransferRequest',
            data: { toDepartmentId: REQUESTS[step.id].department === 'it' ? 'front-desk' : 'it', reason: 'elsewhere' },
          });
          break;
        case 'priority':
          command(step.id, { type: 'ChangePriority', data: { priority: step.priority, reason: 'reassessed' } });
          break;
        case 'link':
          history.link(step.cause, step.effect, step.relation);
          linked.push([step.cause, step.effect]);
          break;
        case 'unlink':
          if (linked.length > 0) history.unlink(...linked[step.pick % linked.length]);
          break;
      }
    } catch {
      // A command the deciders refuse (a link to a request not opened, resolving twice…) leaves no event: skipped.
    }
  }
  return history;
}

/** The log as an event store for the replay: read in order, by pages. */
function logOf(events: readonly RecordedEvent[]): EventStore {
  return {
    async readAll(options: ReadAllOptions = {}) {
      const after = options.after ?? 0n;
      return events.filter((event) => event.position > after).slice(0, options.maxCount ?? events.length);
    },
  } as unknown as EventStore;
}

async function allBlockerPages(db: ReadModelDb, asOf: Date | null, limit: number) {
  const pages = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await impactBlockers(db, { limit, cursor }, asOf);
    pages.push(page);
    if (!page.nextCursor) return pages;
    cursor = page.nextCursor;
  }
}

async function liveBlockedDownstream(db: ReadModelDb, departmentId: string) {
  const row = (await blockedDownstreamQuery(departmentId).execute(db)).rows[0];
  return {
    blockingRequests: Number(row?.blocking ?? 0),
    blockedExternalRequests: Number(row?.external_requests ?? 0),
    blockedExternalCustomers: Number(row?.external_customers ?? 0),
  };
}

/** Everything the impact queries answer as of a time: from the history tables, or (asOf null) a replay's live tables. */
async function answers(db: ReadModelDb, asOf: Date | null) {
  return {
    chains: await Promise.all(IDS.map((requestId) => impactChain(db, requestId, asOf))),
    blockers: await impactBlockers(db, { limit: 50 }, asOf),
    pagesOfTwo: await allBlockerPages(db, asOf, 2),
    byDepartment: await Promise.all(DEPARTMENTS.map((departmentId) => impactBlockers(db, { departmentId, limit: 50 }, asOf))),
    workloads: await Promise.all(
      DEPARTMENTS.map((departmentId) => (asOf ? blockedDownstreamAsOf(db, departmentId, asOf) : liveBlockedDownstream(db, departmentId))),
    ),
  };
}

describeOnEveryReadModelStore('impact chain as of a time', (open) => {
  const runs = process.env.DATABASE_URL ? 25 : 60;

  it('answers as the replay of the events that occurred up to then does, to the row, at random instants of generated histories', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Most requests opened early, so that links find both ends and chains grow deep; some opened later, or never.
        fc
          .subarray(IDS, { minLength: 4 })
          .chain((ids) =>
            fc.tuple(...ids.map((opened) => fc.record({ kind: fc.constant('open' as const), id: fc.constant(opened), priority }))),
          ),
        fc.array(action, { minLength: 10, maxLength: 80 }),
        fc.integer({ min: 1, max: 25 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 8 }),
        async (opening, actions, batchSize, picks) => {
          const history = historyOf([...opening, ...actions]);
          const events = history.events;
          const store: ReadModelStore = await open();
          try {
            await project(store, events, { batchSize, projections: projections() });
            const times = [...new Set(events.map((event) => Date.parse(String(event.metadata.occurredAt))))].sort((a, b) => a - b);
            const first = times[0];
            const last = times[times.length - 1];
            // Half of the instants on an event's own time (an event counts from its time on), half anywhere around.
            const instants = picks.map((pick, index) =>
              index % 2 === 0
                ? times[Math.floor(pick * times.length) % times.length]
                : Math.round(first - 3_600_000 + pick * (last - first + 7_200_000)),
            );
            for (const instant of instants) {
              const asOf = new Date(instant);
              const replay = await replayUntil(logOf(events), asOf, projections());
              try {
                expect({ asOf: asOf.toISOString(), ...(await answers(store.reader, asOf)) }).toEqual({
                  asOf: asOf.toISOString(),
                  ...(await answers(replay.reader, null)),
                });
              } finally {
                await replay.close();
              }
            }
            // After every event, the history's answer is the live one.
            expect(await answers(store.reader, new Date(last + 60_000))).toEqual(await answers(store.reader, null));
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: runs, seed: 1502 },
    );
  }, 300_000);
});
