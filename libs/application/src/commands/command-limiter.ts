import { CommandShedError, type ShedReason } from '../errors';

/**
 * The client waiting over HTTP for a command's answer. A write whose envelope names one passes through the
 * command limiter; the desk's own writers (processes, imports, tools) name none: they pace themselves and wait for
 * nobody.
 */
export interface WaitingClient {
  /** Aborted when the client disconnected: nobody will read the answer. */
  readonly signal: AbortSignal;
  /** When the request arrived, in milliseconds on performance.now()'s clock. */
  readonly arrivedAt: number;
  /** How long the client waits for the answer (its Request-Timeout-Ms header), when it says; the server's limit applies anyway. */
  readonly timeoutMs?: number;
}

export interface CommandLimits {
  /** Commands decided and appended at once (COMMANDS_MAX_IN_FLIGHT); the store's group commit batches them. */
  maxInFlight: number;
  /** Commands that may wait for one of those places (COMMANDS_QUEUE_MAX); one more is refused at once. */
  maxQueued: number;
  /** Longest a command may wait from its arrival to its decision (COMMAND_DEADLINE_MS), whatever its client asks. */
  deadlineMs: number;
}

export const COMMAND_LIMIT_DEFAULTS: CommandLimits = { maxInFlight: 64, maxQueued: 256, deadlineMs: 10_000 };

/** What the limiter tells the metrics. */
export interface CommandLimiterObserver {
  commandShed(reason: ShedReason): void;
}

interface Waiter {
  client: WaitingClient;
  deadline: number;
  admit(): void;
  refuse(error: CommandShedError): void;
}

/**
 * At most maxInFlight commands decided and appended at once, at most maxQueued waiting in arrival order for a place,
 * and one more refused at once (CommandShedError queue_full, a 503 with Retry-After), so that a burst is answered
 * "come back" instead of queued past every client's patience. A waiting command whose client disconnects leaves the
 * queue at once; one whose deadline passes while it waits is refused when its turn comes (or when the queue is full
 * and its place is wanted); either way before it is decided, so it is never in the log. The deadline is the client's
 * Request-Timeout-Ms or the server's deadlineMs from the request's arrival, whichever is sooner.
 */
export class CommandLimiter {
  private running = 0;
  private readonly queue: Waiter[] = [];
  /** The waiters that left the queue (their client gone) but are still in the array; skipped when their turn comes. */
  private readonly left = new Set<Waiter>();

  constructor(
    readonly limits: CommandLimits,
    private readonly now: () => number = () => performance.now(),
    private readonly observer?: CommandLimiterObserver,
  ) {
    if (!(limits.maxInFlight >= 1)) throw new RangeError(`maxInFlight must be at least 1, got ${limits.maxInFlight}`);
    if (!(limits.maxQueued >= 0)) throw new RangeError(`maxQueued must be at least 0, got ${limits.maxQueued}`);
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.length - this.left.size;
  }

  /** Runs `work` once the command has a place, unless it is shed first (thrown as CommandShedError, `work` not run). */
  async run<T>(client: WaitingClient, work: () => Promise<T>): Promise<T> {
    await this.admit(client);
    try {
      return await work();
    } finally {
      this.running--;
      this.next();
    }
  }

  /**
   * Throws CommandShedError when the command is no longer wanted (its client gone, its deadline passed): the write
   * path asks just before it decides, each attempt, so a command is dropped before it is decided, never after.
   */
  check(client: WaitingClient): void {
    if (client.signal.aborted) throw this.shed('client_gone', 'the client disconnected before the command was decided');
    if (this.now() > this.deadlineOf(client)) throw this.deadlinePassed(client);
  }

  private deadlineOf(client: WaitingClient): number {
    return client.arrivedAt + Math.min(client.timeoutMs ?? Infinity, this.limits.deadlineMs);
  }

  private admit(client: WaitingClient): Promise<void> {
    this.check(client);
    if (this.running < this.limits.maxInFlight && this.queued === 0) {
      this.running++;
      return Promise.resolve();
    }
    if (this.queued >= this.limits.maxQueued) this.dropUnwanted();
    if (this.queued >= this.limits.maxQueued) {
      throw this.shed(
        'queue_full',
        `the desk is deciding ${this.running} commands and ${this.queued} more wait, as many as may; nothing was recorded, retry after Retry-After seconds`,
      );
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.left.add(waiter);
        reject(this.shed('client_gone', 'the client disconnected while the command waited; nothing was recorded'));
      };
      const waiter: Waiter = {
        client,
        deadline: this.deadlineOf(client),
        admit: () => {
          client.signal.removeEventListener('abort', onAbort);
          resolve();
        },
        refuse: (error) => {
          client.signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      client.signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Gives freed places to the waiters in arrival order, refusing those whose deadline passed while they waited. */
  private next(): void {
    while (this.running < this.limits.maxInFlight && this.queue.length > 0) {
      const waiter = this.queue.shift()!;
      if (this.left.delete(waiter)) continue;
      if (this.now() > waiter.deadline) {
        waiter.refuse(this.deadlinePassed(waiter.client));
        continue;
      }
      this.running++;
      waiter.admit();
    }
  }

  /** Refuses the waiters past their deadline and forgets those whose client left, so that live ones get their places. */
  private dropUnwanted(): void {
    const now = this.now();
    let kept = 0;
    for (const waiter of this.queue) {
      if (this.left.delete(waiter)) continue;
      if (now > waiter.deadline) {
        waiter.refuse(this.deadlinePassed(waiter.client));
        continue;
      }
      this.queue[kept++] = waiter;
    }
    this.queue.length = kept;
  }

  private deadlinePassed(client: WaitingClient): CommandShedError {
    const limit = Math.min(client.timeoutMs ?? Infinity, this.limits.deadlineMs);
    const whose = client.timeoutMs !== undefined && client.timeoutMs <= this.limits.deadlineMs ? 'its Request-Timeout-Ms' : "the server's";
    return this.shed(
      'deadline_passed',
      `the command was not reached within ${limit} ms of its arrival (${whose} deadline); nothing was recorded, retry after Retry-After seconds`,
    );
  }

  private shed(reason: ShedReason, message: string): CommandShedError {
    this.observer?.commandShed(reason);
    return new CommandShedError(reason, message);
  }
}
