import { CommandShedError, type ShedReason } from '../errors';
import { CommandLimiter, type CommandLimits, type WaitingClient } from './command-limiter';

/** Work that stays in flight until the spec finishes it. */
function pending() {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    finish = () => resolve('done');
    fail = reject;
  });
  return { work: () => done, finish, fail };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CommandLimiter', () => {
  let now: number;
  let shed: ShedReason[];
  const limiter = (limits: Partial<CommandLimits> = {}) =>
    new CommandLimiter({ maxInFlight: 1, maxQueued: 1, deadlineMs: 1000, ...limits }, () => now, {
      commandShed: (reason) => shed.push(reason),
    });
  const client = (options: { timeoutMs?: number; arrivedAt?: number } = {}) => {
    const gone = new AbortController();
    const waiting: WaitingClient = { signal: gone.signal, arrivedAt: options.arrivedAt ?? now, timeoutMs: options.timeoutMs };
    return { waiting, disconnect: () => gone.abort() };
  };
  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      (value) => value,
      (error: unknown) => (error instanceof CommandShedError ? error.reason : error),
    );

  beforeEach(() => {
    now = 0;
    shed = [];
  });

  it('runs up to maxInFlight at once, then queues up to maxQueued in arrival order, and refuses one more at once', async () => {
    const limits = limiter({ maxInFlight: 2, maxQueued: 2 });
    const works = [pending(), pending(), pending(), pending()];
    const started: number[] = [];
    const runs = works.map((work, n) =>
      outcome(
        limits.run(client().waiting, () => {
          started.push(n);
          return work.work();
        }),
      ),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    expect([limits.inFlight, limits.queued]).toEqual([2, 2]);

    let ran = false;
    await expect(
      limits.run(client().waiting, async () => {
        ran = true;
      }),
    ).rejects.toMatchObject({ reason: 'queue_full', retryAfterSeconds: 1, kind: 'shed' });
    expect(ran).toBe(false);
    expect(shed).toEqual(['queue_full']);

    works[1].finish();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    works[0].finish();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    works[2].finish();
    works[3].finish();
    expect(await Promise.all(runs)).toEqual(['done', 'done', 'done', 'done']);
    expect([limits.inFlight, limits.queued]).toEqual([0, 0]);
  });

  it('frees the place of work that fails', async () => {
    const limits = limiter();
    const first = pending();
    const failed = limits.run(client().waiting, first.work);
    const next = limits.run(client().waiting, async () => 'next');
    first.fail(new Error('store down'));
    await expect(failed).rejects.toThrow('store down');
    expect(await next).toBe('next');
    expect(limits.inFlight).toBe(0);
  });

  it('lets a waiting command whose client disconnects leave the queue at once, unrun, and gives its place to another', async () => {
    const limits = limiter();
    const first = pending();
    const running = limits.run(client().waiting, first.work);
    const leaving = client();
    let ran = false;
    const left = outcome(
      limits.run(leaving.waiting, async () => {
        ran = true;
      }),
    );
    leaving.disconnect();
    expect(await left).toBe('client_gone');
    expect(limits.queued).toBe(0);
    // The bound is one waiting: the place the disconnected one left is free again.
    const after = limits.run(client().waiting, async () => 'after');
    first.finish();
    expect([await running, await after]).toEqual(['done', 'after']);
    expect(ran).toBe(false);
    expect(shed).toEqual(['client_gone']);
  });

  it('refuses at once a command whose client has already gone, even with places free', async () => {
    const gone = client();
    gone.disconnect();
    await expect(limiter().run(gone.waiting, async () => 'ran')).rejects.toMatchObject({ reason: 'client_gone' });
  });

  it("refuses a waiting command when its turn comes after its deadline: the client's Request-Timeout-Ms or the server's, whichever is sooner", async () => {
    const limits = limiter({ maxQueued: 3 });
    const first = pending();
    const running = limits.run(client().waiting, first.work);
    const own = outcome(limits.run(client({ timeoutMs: 200 }).waiting, async () => 'own'));
    const servers = outcome(limits.run(client({ timeoutMs: 5000 }).waiting, async () => 'servers'));
    const patient = outcome(limits.run(client({ arrivedAt: 900 }).waiting, async () => 'patient'));
    now = 1001;
    first.finish();
    await running;
    expect(await own).toBe('deadline_passed');
    expect(await servers).toBe('deadline_passed');
    expect(await patient).toBe('patient');
    await expect(own.then(() => limits.run(client({ timeoutMs: 200, arrivedAt: 0 }).waiting, async () => 'late'))).rejects.toThrow(
      /not reached within 200 ms of its arrival \(its Request-Timeout-Ms deadline\)/,
    );
    expect(shed).toEqual(['deadline_passed', 'deadline_passed', 'deadline_passed']);
  });

  it('makes room in a full queue by refusing the waiters past their deadline before it refuses a live newcomer', async () => {
    const limits = limiter({ maxQueued: 1 });
    const first = pending();
    const running = limits.run(client().waiting, first.work);
    const expired = outcome(limits.run(client({ timeoutMs: 100 }).waiting, async () => 'expired'));
    now = 150;
    const newcomer = limits.run(client().waiting, async () => 'newcomer');
    expect(await expired).toBe('deadline_passed');
    first.finish();
    expect([await running, await newcomer]).toEqual(['done', 'newcomer']);
  });

  it('check throws once the client is gone or the deadline passed, and not before', () => {
    const limits = limiter();
    const waiting = client({ timeoutMs: 100 });
    expect(() => limits.check(waiting.waiting)).not.toThrow();
    now = 101;
    expect(() => limits.check(waiting.waiting)).toThrow(CommandShedError);
    const gone = client();
    gone.disconnect();
    expect(() => limits.check(gone.waiting)).toThrow(/the client disconnected before the command was decided/);
  });

  it('refuses limits that would let no command through', () => {
    expect(() => limiter({ maxInFlight: 0 })).toThrow(RangeError);
    expect(() => limiter({ maxQueued: -1 })).toThrow(RangeError);
  });
});
