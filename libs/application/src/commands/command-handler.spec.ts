import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandRefusedError, EVENT_SCHEMA_VERSIONS, NotFoundError, type Actor, type RequestCommand } from '@desk/domain';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@desk/event-store';
import { rivalBeforeAppend } from '@desk/event-store/testing/rival-before-append';
import { writeDependencies } from '../command-side';
import { ConcurrencyConflictError, IdempotencyKeyReusedError, PreconditionFailedError } from '../errors';
import type { CommandEnvelope, Step } from './command-handler';
import { CommandLimiter, type WaitingClient } from './command-limiter';
import { registerItAndEva } from '../testing/write-side-desk';
import { createWriteSide, RequestWrite, type WriteSide } from './writes';

const AGENT: Actor = { id: 'agent-ann', role: 'agent' };
const MONDAY_9 = new Date('2025-03-03T08:00:00.000Z');

const envelope = (actor: Actor, extra: Partial<CommandEnvelope> = {}): CommandEnvelope => ({
  commandId: `command-${Math.random()}`,
  correlationId: 'corr-1',
  actor,
  now: MONDAY_9,
  ...extra,
});

const open: RequestCommand = {
  type: 'OpenRequest',
  data: { requestId: 'r-1', requesterId: 'emp-eva', departmentId: 'it', subject: 'Laptop', description: '', priority: 'high' },
};
const assign: RequestCommand = { type: 'AssignRequest', data: { agentId: AGENT.id } };
const start: RequestCommand = { type: 'StartWork', data: {} };

/** The write path over a real embedded store: given a desk written through it, when a write, then what the stream holds. */
describe('the one write path', () => {
  let dir: string;
  let store: EventStore;
  let writes: WriteSide;
  const stream = (id: string): Promise<RecordedEvent[]> => store.readStream(`request-${id}`);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-write-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    writes = createWriteSide(writeDependencies(store, { now: () => MONDAY_9 }));
    await registerItAndEva(writes);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides one command against what it looks up and appends its events with the metadata every event carries', async () => {
    const result = await writes.requests.execute(new RequestWrite('r-1', open, envelope(AGENT, { commandId: 'cmd-1' })));
    const [opened] = await stream('r-1');
    expect(result).toMatchObject({ id: 'r-1', streamId: 'request-r-1', revision: 0n, position: opened.position, appended: 1 });
    expect(opened.type).toBe('RequestOpened');
    expect(opened.data).toMatchObject({ requestId: 'r-1', requesterKind: 'employee', audience: 'internal' });
    expect(opened.metadata).toEqual({
      correlationId: 'corr-1',
      causationId: 'cmd-1',
      actor: AGENT.id,
      actorRole: 'agent',
      occurredAt: MONDAY_9.toISOString(),
      schemaVersion: EVENT_SCHEMA_VERSIONS.RequestOpened,
    });
  });

  it('decides a list of commands in order, each against the state the ones before it left, and appends them at once', async () => {
    const at = (minutes: number) => new Date(MONDAY_9.getTime() + minutes * 60_000);
    const steps: Step<RequestCommand>[] = [
      { command: open, now: at(0), metadata: { importRow: 2 } },
      { command: assign, now: at(5), metadata: { importRow: 3 } },
      { command: start, now: at(9), metadata: { importRow: 3 } },
    ];
    const result = await writes.requests.execute(new RequestWrite('r-1', steps, envelope(AGENT, { metadata: { importSource: 'test' } })));
    const events = await stream('r-1');
    expect(events.map((e) => [e.type, e.metadata.occurredAt, e.metadata.importSource, e.metadata.importRow])).toEqual([
      ['RequestOpened', at(0).toISOString(), 'test', 2],
      ['RequestAssigned', at(5).toISOString(), 'test', 3],
      ['RequestWorkStarted', at(9).toISOString(), 'test', 3],
    ]);
    // One append: every event shares the last position the store returned.
    expect(result).toMatchObject({ revision: 2n, appended: 3 });
  });

  it('refuses extra metadata that would set what the write path sets', async () => {
    const write = writes.requests.execute(
      new RequestWrite('r-1', [{ command: open, metadata: { actor: 'someone-else' } }], envelope(AGENT)),
    );
    await expect(write).rejects.toThrow('extra metadata may not set actor');
    expect(await stream('r-1')).toEqual([]);
  });

  it('lets a planner try commands and take back those of a group that is refused, keeping the rest', async () => {
    const result = await writes.requests.execute(
      new RequestWrite(
        'r-1',
        async (_, planning) => {
          await planning.decide({ command: open });
          // A group whose second command is refused: its first one (the assignment) is taken back too.
          await expect(
            planning.tentatively(async () => {
              await planning.decide({ command: assign });
              await planning.decide({ command: { type: 'ResumeWork', data: {} } });
            }),
          ).rejects.toThrow(CommandRefusedError);
          expect(planning.state.status).toBe('new');
          await planning.decide({ command: { ...assign, data: { agentId: 'agent-bob' } } });
        },
        envelope(AGENT),
      ),
    );
    const events = await stream('r-1');
    expect(events.map((e) => [e.type, e.data.agentId])).toEqual([
      ['RequestOpened', undefined],
      ['RequestAssigned', 'agent-bob'],
    ]);
    expect(result).toMatchObject({ revision: 1n, appended: 2 });
  });

  it('appends nothing when any command of a list is refused', async () => {
    const refused = writes.requests.execute(new RequestWrite('r-1', [{ command: open }, { command: start }], envelope(AGENT)));
    await expect(refused).rejects.toThrow(CommandRefusedError);
    expect(await stream('r-1')).toEqual([]);
  });

  it('gives the events of steps sharing a seed the same ids wherever and whenever they are written', async () => {
    const steps = (seed: string): Step<RequestCommand>[] => [
      { command: open, eventIdSeed: seed },
      { command: assign, eventIdSeed: seed },
    ];
    await writes.requests.execute(new RequestWrite('r-1', steps('case-1|row-2'), envelope(AGENT)));
    const first = (await stream('r-1')).map((e) => e.id);

    const elsewhere = mkdtempSync(join(tmpdir(), 'desk-write-'));
    const other = new SqliteEventStore(join(elsewhere, 'events.sqlite'));
    try {
      const again = createWriteSide(writeDependencies(other, { now: () => MONDAY_9 }));
      await registerItAndEva(again);
      await again.requests.execute(new RequestWrite('r-1', steps('case-1|row-2'), envelope(AGENT)));
      expect((await other.readStream('request-r-1')).map((e) => e.id)).toEqual(first);
    } finally {
      await other.close();
      rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(new Set(first).size).toBe(2);
  });

  it('answers a repeated Idempotency-Key with the first answer, and refuses it with another fingerprint', async () => {
    const keyed = { idempotencyKey: 'agent-ann\u0000k-1', fingerprint: 'fp-open' };
    const first = await writes.requests.execute(new RequestWrite('r-1', open, envelope(AGENT, keyed)));
    const again = await writes.requests.execute(new RequestWrite('r-1', open, envelope(AGENT, keyed)));
    expect(again).toEqual({ ...first, appended: 0 });
    expect(await stream('r-1')).toHaveLength(1);
    await expect(
      writes.requests.execute(new RequestWrite('r-1', assign, envelope(AGENT, { ...keyed, fingerprint: 'fp-other' }))),
    ).rejects.toThrow(IdempotencyKeyReusedError);
  });

  it("admits the actor before the Idempotency-Key and If-Match: a requester's write to someone else's request is not found, whatever key or revision it names", async () => {
    const keyed = { idempotencyKey: 'agent-ann\u0000k-1', fingerprint: 'fp-open' };
    await writes.requests.execute(new RequestWrite('r-1', open, envelope(AGENT, keyed)));
    const carl: Actor = { id: 'ext-carl', role: 'requester' };
    const close: RequestCommand = { type: 'CloseRequest', data: {} };
    const asIfAbsent = writes.requests.execute(new RequestWrite('r-none', close, envelope(carl)));
    await expect(asIfAbsent).rejects.toThrow(NotFoundError);
    for (const extra of [{}, keyed, { ...keyed, fingerprint: 'fp-other' }, { expectedRevision: 0n }, { expectedRevision: 7n }]) {
      const write = writes.requests.execute(new RequestWrite('r-1', close, envelope(carl, extra)));
      await expect(write).rejects.toThrow(NotFoundError);
      await expect(write).rejects.toThrow('cannot close a request that does not exist');
    }
    // Staff naming a revision of a request that does not exist hear that it does not exist, not which revision it is at.
    await expect(writes.requests.execute(new RequestWrite('r-none', assign, envelope(AGENT, { expectedRevision: 0n })))).rejects.toThrow(
      NotFoundError,
    );
    expect(await stream('r-1')).toHaveLength(1);
  });

  it('refuses a write whose If-Match names another revision, naming the current one', async () => {
    await writes.requests.execute(new RequestWrite('r-1', open, envelope(AGENT)));
    const stale = writes.requests.execute(new RequestWrite('r-1', assign, envelope(AGENT, { expectedRevision: 3n })));
    await expect(stale).rejects.toThrow(PreconditionFailedError);
    await expect(stale).rejects.toMatchObject({ currentRevision: 0n });
    await writes.requests.execute(new RequestWrite('r-1', assign, envelope(AGENT, { expectedRevision: 0n })));
    expect((await stream('r-1')).map((e) => e.type)).toEqual(['RequestOpened', 'RequestAssigned']);
  });

  const racedBy = (rival: (attempt: number) => Promise<unknown>, times: number): EventStore =>
    rivalBeforeAppend(store, 'request-r-1', rival, times);
  /** A write side whose first append to r-1 finds it assigned by another process (a replica) just before. */
  const racedByAnAssignment = (): WriteSide => {
    const replica = createWriteSide(writeDependencies(store, { now: () => MONDAY_9 }));
    const rival = () => replica.requests.execute(new RequestWrite('r-1', assign, envelope(AGENT)));
    return createWriteSide(writeDependencies(racedBy(rival, 1), { now: () => MONDAY_9 }));
  };

  it('makes a plan again from the stream as it stands when another writer moved it first', async () => {
    await writes.requests.execute(new RequestWrite('r-1', open, envelope(AGENT)));
    const raced = racedByAnAssignment();
    const seen: string[] = [];
    const result = await raced.requests.execute(
      new RequestWrite(
        'r-1',
        async (current, planning) => {
          seen.push(current.state.status);
          await planning.decide({ command: current.state.status === 'new' ? assign : start });
        },
        envelope(AGENT),
      ),
    );
    expect(seen).toEqual(['new', 'assigned']);
    expect((await stream('r-1')).map((e) => e.type)).toEqual(['RequestOpened', 'RequestAssigned', 'RequestWorkStarted']);
    expect(result).toMatchObject({ revision: 2n, appended: 1 });
  });

  it('turns a lost race into a precondition failure when the caller named the revision it decided on', async () => {
    await writes.requests.execute(new RequestWrite('r-1', open, envelope(AGENT)));
    const raced = racedByAnAssignment();
    const write = raced.requests.execute(new RequestWrite('r-1', assign, envelope(AGENT, { expectedRevision: 0n })));
    await expect(write).rejects.toThrow(PreconditionFailedError);
    await expect(write).rejects.toMatchObject({ currentRevision: 1n });
    expect(await stream('r-1')).toHaveLength(2);
  });

  it('gives up with a concurrency conflict when it keeps losing the race, having appended nothing', async () => {
    await writes.requests.execute(new RequestWrite('r-1', open, envelope(AGENT)));
    const replica = createWriteSide(writeDependencies(store, { now: () => MONDAY_9 }));
    const comment = (n: number): RequestCommand => ({
      type: 'AddComment',
      data: { commentId: `rival-${n}`, body: 'me first', visibility: 'internal' },
    });
    const raced = createWriteSide(
      writeDependencies(
        racedBy((n) => replica.requests.execute(new RequestWrite('r-1', comment(n), envelope(AGENT))), 100),
        {
          now: () => MONDAY_9,
        },
      ),
    );
    const write = raced.requests.execute(
      new RequestWrite('r-1', { type: 'AddComment', data: { commentId: 'mine', body: 'mine', visibility: 'internal' } }, envelope(AGENT)),
    );
    await expect(write).rejects.toThrow(ConcurrencyConflictError);
    const events = await stream('r-1');
    expect(events.filter((e) => e.data.commentId === 'mine')).toEqual([]);
    expect(events).toHaveLength(13);
  });

  describe('with a command limiter', () => {
    const waiting = (timeoutMs?: number) => {
      const gone = new AbortController();
      const client: WaitingClient = { signal: gone.signal, arrivedAt: performance.now(), timeoutMs };
      return { client, disconnect: () => gone.abort() };
    };
    const limited = (limiter: CommandLimiter, on: EventStore = store) =>
      createWriteSide(writeDependencies(on, { now: () => MONDAY_9 }, undefined, limiter));

    it('does not decide again, nor append, a command whose client left while it lost a race', async () => {
      await writes.requests.execute(new RequestWrite('r-1', open, envelope(AGENT)));
      const replica = createWriteSide(writeDependencies(store, { now: () => MONDAY_9 }));
      const { client, disconnect } = waiting();
      const limiter = new CommandLimiter({ maxInFlight: 1, maxQueued: 0, deadlineMs: 10_000 });
      const raced = limited(
        limiter,
        racedBy(async () => {
          await replica.requests.execute(new RequestWrite('r-1', assign, envelope(AGENT)));
          disconnect();
        }, 1),
      );
      const decided: string[] = [];
      const write = raced.requests.execute(
        new RequestWrite(
          'r-1',
          async (current, planning) => {
            decided.push(current.state.status);
            await planning.decide({ command: current.state.status === 'new' ? assign : start });
          },
          envelope(AGENT, { client }),
        ),
      );
      await expect(write).rejects.toMatchObject({ kind: 'shed', reason: 'client_gone' });
      expect(decided).toEqual(['new']);
      expect((await stream('r-1')).map((e) => e.type)).toEqual(['RequestOpened', 'RequestAssigned']);
      expect(limiter.inFlight).toBe(0);
    });

    it('holds only the writes of waiting clients: the desk’s own writes pass when every place is taken', async () => {
      const limiter = new CommandLimiter({ maxInFlight: 1, maxQueued: 0, deadlineMs: 10_000 });
      const side = limited(limiter);
      let releaseLookups!: () => void;
      const lookupsHeld = new Promise<void>((resolve) => (releaseLookups = resolve));
      const first = side.requests.execute(
        new RequestWrite(
          'r-1',
          async (_, planning) => {
            await lookupsHeld;
            await planning.decide({ command: open });
          },
          envelope(AGENT, { client: waiting().client }),
        ),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(limiter.inFlight).toBe(1);
      await expect(
        side.requests.execute(
          new RequestWrite('r-2', { ...open, data: { ...open.data, requestId: 'r-2' } }, envelope(AGENT, { client: waiting().client })),
        ),
      ).rejects.toMatchObject({ reason: 'queue_full' });
      const own = await side.requests.execute(
        new RequestWrite('r-3', { ...open, data: { ...open.data, requestId: 'r-3' } }, envelope(AGENT)),
      );
      expect(own.appended).toBe(1);
      releaseLookups();
      expect((await first).appended).toBe(1);
      expect(await stream('r-2')).toEqual([]);
    });
  });
});
