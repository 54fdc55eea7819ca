import fc from 'fast-check';
import type { RecordedEvent } from '@desk/event-store';
import type { RequestCommand } from '@desk/domain';
import type { DeskHistory } from '@desk/application/testing/desk-history';
import {
  allProjections,
  allWorkloads,
  departmentKnown,
  departmentQueue,
  departmentWorkload,
  deskWorkload,
  requestList,
  type RequestListFilter,
  openSqlite,
  readModelsAsOf,
  type ReadModelQueries,
  type ReadModelStore,
  type RequestSummaryRow,
  type WorkloadImpact,
  workloadImpactAsOf,
} from '@desk/read-models';
import {
  agent,
  cancel,
  close,
  desk,
  followUp,
  hold,
  MONDAY_8,
  rate,
  reopen,
  reprioritize,
  requester,
  resume,
  SYSTEM,
  transfer,
} from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

/**
 * The temporal read models against their oracle, the replay: as of any time T, the summaries kept in request_versions
 * (and the queue and list pages read through them) are what the projections make of the events that occurred up to T,
 * applied in log order. Histories are generated with business times that go back as well as forward, so versions
 * land before others and split them.
 */
describeOnEveryReadModelStore('request versions', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('splits the version an older event lands in and recomputes the later ones', async () => {
    const history = desk().open('r1', 'eva', 'it');
    history.at('2026-03-02T10:00:00.000Z').work('r1');
    // Entered late: the request was reprioritized at 09:00, before work started.
    history.at('2026-03-02T09:00:00.000Z').request('r1', reprioritize('high'));
    await project(store, history.events, { batchSize: 1 });
    const versions = await store.reader
      .selectFrom('request_versions')
      .select(['valid_from', 'valid_to', 'status', 'priority'])
      .where('request_id', '=', 'r1')
      .orderBy('valid_from')
      .execute();
    expect(versions).toEqual([
      { valid_from: MONDAY_8, valid_to: '2026-03-02T09:00:00.000Z', status: 'new', priority: 'medium' },
      { valid_from: '2026-03-02T09:00:00.000Z', valid_to: '2026-03-02T10:00:00.000Z', status: 'new', priority: 'high' },
      { valid_from: '2026-03-02T10:00:00.000Z', valid_to: '9999-12-31T23:59:59.999Z', status: 'in_progress', priority: 'high' },
    ]);
    const live = await store.reader.selectFrom('request_summaries').selectAll().where('request_id', '=', 'r1').executeTakeFirstOrThrow();
    const {
      valid_from: _from,
      valid_to: _to,
      ...current
    } = await store.reader
      .selectFrom('request_versions')
      .selectAll()
      .where('request_id', '=', 'r1')
      .where('valid_to', '=', '9999-12-31T23:59:59.999Z')
      .executeTakeFirstOrThrow();
    expect(current).toEqual(live);
  });

  it('applied twice, changes nothing', async () => {
    const history = generatedHistory(SAMPLE_PLAN);
    await project(store, history.events, { batchSize: 7 });
    const before = await allVersions(store);
    await project(store, history.events, { batchSize: 3 });
    expect(await allVersions(store)).toEqual(before);
  });

  /** The plan projected in batches, then as of each instant the temporal answers against a replay of the events up to it. */
  async function expectAsReplayed(plan: Plan, instants: number[], batchSize: number, options: { workloads: boolean }): Promise<void> {
    const history = generatedHistory(plan);
    const live = await open();
    try {
      await project(live, history.events, { batchSize, projections: READ_BY_PAGES() });
      for (const minutes of instants) {
        const asOf = new Date(Date.parse(MONDAY_8) + minutes * 60_000);
        const replay = openSqlite(':memory:');
        try {
          await project(
            replay,
            history.events.filter((event) => occurredBy(event, asOf)),
            { projections: READ_BY_PAGES() },
          );
          const temporal = readModelsAsOf(live.reader, asOf);
          await expectSameAnswers(temporal, replay.reader);
          await expectSamePages(temporal, replay.reader, asOf);
          if (options.workloads) await expectSameWorkloads(temporal, workloadImpactAsOf(live.reader, asOf), replay.reader, asOf);
        } finally {
          await replay.close();
        }
      }
    } finally {
      await live.close();
    }
  }

  const instantsArbitrary = fc.array(fc.integer({ min: -60, max: 3 * 24 * 60 }), { minLength: 3, maxLength: 5 });

  it('answers as of any time as the replay of the events up to it does, in any batch size', async () => {
    await fc.assert(
      fc.asyncProperty(planArbitrary, instantsArbitrary, fc.integer({ min: 1, max: 9 }), (plan, instants, batchSize) =>
        expectAsReplayed(plan, instants, batchSize, { workloads: false }),
      ),
      { numRuns: store.dialect === 'postgres' ? 10 : 30, seed: 20261202 },
    );
  }, 300_000);

  // Workload facts are kept where each request was when the log recorded them: exact as of any time while a request's
  // events come in business-time order (an older event entered late counts where the request is, not where it was).
  it('answers workloads as of any time as the replay does, over histories in business-time order', async () => {
    await fc.assert(
      fc.asyncProperty(planArbitrary.map(inBusinessOrder), instantsArbitrary, fc.integer({ min: 1, max: 9 }), (plan, instants, batchSize) =>
        expectAsReplayed(plan, instants, batchSize, { workloads: true }),
      ),
      { numRuns: store.dialect === 'postgres' ? 8 : 20, seed: 20261203 },
    );
  }, 300_000);
});

/** The projections queues, lists and workloads read: all but full-text search. */
const READ_BY_PAGES = () => allProjections().filter((projection) => projection.name !== 'request-search');

const REQUESTS = ['r1', 'r2', 'r3', 'r4', 'r5'];
const REQUESTERS = ['eva', 'rita', 'olga', 'omar'];
const DEPARTMENTS = ['it', 'shop', 'hr'];
const TAGS = ['vip', 'outage'];

type Step =
  | { kind: 'open'; request: number; requester: number; department: number }
  | { kind: 'followUp'; request: number; of: number }
  | { kind: 'link'; request: number; effect: number; unlink: boolean }
  | { kind: 'command'; request: number; command: number; argument: number };

interface Plan {
  steps: { step: Step; minutes: number }[];
}

const COMMANDS: ((argument: number) => { command: RequestCommand | 'assign' | 'work' | 'resolve'; byRequester?: boolean })[] = [
  () => ({ command: 'assign' }),
  () => ({ command: 'work' }),
  () => ({ command: hold('awaiting_third_party') }),
  () => ({ command: resume }),
  () => ({ command: 'resolve' }),
  () => ({ command: close, byRequester: true }),
  () => ({ command: reopen, byRequester: true }),
  () => ({ command: cancel, byRequester: true }),
  (argument) => ({ command: transfer(DEPARTMENTS[argument % DEPARTMENTS.length]) }),
  (argument) => ({ command: reprioritize((['critical', 'high', 'medium', 'low'] as const)[argument % 4]) }),
  (argument) => ({ command: { type: 'TagRequest', data: { tag: TAGS[argument % TAGS.length] } } }),
  (argument) => ({ command: { type: 'UntagRequest', data: { tag: TAGS[argument % TAGS.length] } } }),
  (argument) => ({ command: rate(1 + (argument % 5)), byRequester: true }),
];

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('open' as const),
    request: fc.nat(REQUESTS.length - 1),
    requester: fc.nat(REQUESTERS.length - 1),
    department: fc.nat(DEPARTMENTS.length - 1),
  }),
  fc.record({ kind: fc.constant('followUp' as const), request: fc.nat(REQUESTS.length - 1), of: fc.nat(REQUESTS.length - 1) }),
  fc.record({
    kind: fc.constant('link' as const),
    request: fc.nat(REQUESTS.length - 1),
    effect: fc.nat(REQUESTS.length - 1),
    unlink: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('command' as const),
    request: fc.nat(REQUESTS.length - 1),
    command: fc.nat(COMMANDS.length - 1),
    argument: fc.nat(20),
  }),
  fc.record({
    kind: fc.constant('command' as const),
    request: fc.nat(REQUESTS.length - 1),
    command: fc.nat(COMMANDS.length - 1),
    argument: fc.nat(20),
  }),
  fc.record({
    kind: fc.constant('command' as const),
    request: fc.nat(REQUESTS.length - 1),
    command: fc.nat(COMMANDS.length - 1),
    argument: fc.nat(20),
  }),
);

/** Minutes from the start of the desk: mostly forward, now and then back (an older event entered late). */
const planArbitrary: fc.Arbitrary<Plan> = fc.record({
  steps: fc.array(fc.record({ step: stepArbitrary, minutes: fc.integer({ min: 0, max: 3 * 24 * 60 }) }), { minLength: 5, maxLength: 40 }),
});

const SAMPLE_PLAN: Plan = {
  steps: [
    { step: { kind: 'open', request: 0, requester: 0, department: 0 }, minutes: 10 },
    { step: { kind: 'open', request: 1, requester: 2, department: 1 }, minutes: 20 },
    { step: { kind: 'command', request: 0, command: 1, argument: 0 }, minutes: 90 },
    { step: { kind: 'command', request: 0, command: 9, argument: 1 }, minutes: 40 },
    { step: { kind: 'command', request: 1, command: 10, argument: 0 }, minutes: 50 },
    { step: { kind: 'command', request: 0, command: 4, argument: 0 }, minutes: 200 },
    { step: { kind: 'followUp', request: 2, of: 0 }, minutes: 150 },
    { step: { kind: 'command', request: 0, command: 6, argument: 0 }, minutes: 300 },
    { step: { kind: 'command', request: 1, command: 8, argument: 2 }, minutes: 100 },
  ],
};

/** The plan's steps at their business times; a step the deciders refuse (a command its request's state forbids) is left out. */
function generatedHistory(plan: Plan): DeskHistory {
  // The agent works everywhere from the start: the directory is not kept in business time (see as-of.ts).
  const history = desk();
  for (const departmentId of DEPARTMENTS) history.agentWorksIn('agent-ann', departmentId);
  const start = Date.parse(MONDAY_8);
  for (const { step, minutes } of plan.steps) {
    history.at(new Date(start + minutes * 60_000).toISOString());
    const id = REQUESTS[step.request];
    try {
      if (step.kind === 'open') history.open(id, REQUESTERS[step.requester], DEPARTMENTS[step.department]);
      else if (step.kind === 'followUp') history.request(id, followUp(id, REQUESTS[step.of], 'eva', 'it'), SYSTEM);
      else if (step.kind === 'link') {
        if (step.unlink) history.unlink(id, REQUESTS[step.effect]);
        else history.link(id, REQUESTS[step.effect]);
      } else {
        const { command, byRequester } = COMMANDS[step.command](step.argument);
        if (command === 'assign') history.assign(id);
        else if (command === 'work') history.work(id);
        else if (command === 'resolve') history.resolve(id);
        else history.request(id, command, byRequester ? requester(requesterOf(history, id)) : agent('agent-1'));
      }
    } catch {
      // Refused: the history goes on without it, as a desk does.
    }
  }
  return history;
}

function requesterOf(history: DeskHistory, id: string): string {
  const opened = history.events.find((event) => event.type === 'RequestOpened' && (event.data as { requestId: string }).requestId === id);
  return opened ? (opened.data as { requesterId: string }).requesterId : 'eva';
}

function occurredBy(event: RecordedEvent, asOf: Date): boolean {
  return Date.parse(String(event.metadata.occurredAt)) <= asOf.getTime();
}

/** The summaries as of the time, read both ways. */
async function expectSameAnswers(temporal: ReadModelQueries, replay: ReadModelQueries): Promise<void> {
  const summaries = (db: ReadModelQueries) => db.selectFrom('request_summaries').selectAll().orderBy('request_id').execute();
  const withoutValidity = (rows: (RequestSummaryRow & { valid_from?: string; valid_to?: string })[]) =>
    rows.map(({ valid_from: _from, valid_to: _to, ...row }) => row);
  expect(withoutValidity(await summaries(temporal))).toEqual(await summaries(replay));
}

/** Every department's queue and the list's common shapes, as of the time, read both ways. */
async function expectSamePages(temporal: ReadModelQueries, replay: ReadModelQueries, asOf: Date): Promise<void> {
  for (const departmentId of DEPARTMENTS) {
    const filter = { limit: 100 };
    expect(await departmentQueue(temporal, departmentId, filter, asOf)).toEqual(await departmentQueue(replay, departmentId, filter, asOf));
  }
  const lists: Omit<RequestListFilter, 'limit' | 'sort' | 'order'>[] = [
    {},
    { requesterId: 'olga' },
    { departmentIds: ['it', 'shop'] },
    { statuses: ['resolved', 'closed', 'cancelled'] },
    { tag: 'vip' },
  ];
  for (const shape of lists) {
    for (const sort of ['updatedAt', 'openedAt', 'dueAt'] as const) {
      const filter: RequestListFilter = { ...shape, sort, order: 'desc', limit: 100 };
      expect(await requestList(temporal, filter, asOf, 'staff')).toEqual(await requestList(replay, filter, asOf, 'staff'));
    }
  }
}

/** Every department's workload, every department's and the desk's, as of the time, read both ways. */
async function expectSameWorkloads(
  temporal: ReadModelQueries,
  impact: WorkloadImpact,
  replay: ReadModelQueries,
  asOf: Date,
): Promise<void> {
  for (const departmentId of DEPARTMENTS) {
    // A department not registered yet is not known then (the API answers 404, as the replay would).
    expect(await departmentKnown(temporal, departmentId, asOf)).toBe(await departmentKnown(replay, departmentId));
    if (await departmentKnown(replay, departmentId)) {
      expect(await departmentWorkload(temporal, departmentId, {}, asOf, impact)).toEqual(
        await departmentWorkload(replay, departmentId, {}, asOf),
      );
    }
  }
  expect(await allWorkloads(temporal, {}, asOf, asOf, impact)).toEqual(await allWorkloads(replay, {}, asOf));
  expect(await deskWorkload(temporal, {}, asOf)).toEqual(await deskWorkload(replay, {}, asOf));
}

/** The plan's steps sorted by their business time: each request's events then come in business order. */
function inBusinessOrder(plan: Plan): Plan {
  return { steps: [...plan.steps].sort((a, b) => a.minutes - b.minutes) };
}

async function allVersions(store: ReadModelStore): Promise<unknown[]> {
  return store.reader.selectFrom('request_versions').selectAll().orderBy('request_id').orderBy('valid_from').execute();
}
