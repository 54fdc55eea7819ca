import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppendRequest, BatchOutcome } from './batch-commit';

/** Plain JavaScript, so that it loads as it is from the sources and from dist (nest-cli.json copies it there). */
export const GROUP_COMMIT_WORKER_SCRIPT = join(__dirname, 'group-commit-worker.js');

/**
 * Running from the TypeScript sources (jest, test/support/register-ts.js), a worker needs the loader that compiles
 * batch-commit.ts; from dist it requires the compiled batch-commit.js and no loader.
 */
const TYPESCRIPT_LOADER = __filename.endsWith('.ts') ? join(__dirname, '../../../../test/support/register-ts.js') : null;

/** The worker ended (it crashed, ran out of memory, was terminated) before it answered a batch: whether it committed is unknown. */
export class CommitWorkerStoppedError extends Error {
  override readonly name = 'CommitWorkerStoppedError';
  constructor(
    readonly exitCode: number | null,
    override readonly cause?: unknown,
  ) {
    super(
      `its commit worker stopped (exit code ${exitCode ?? 'unknown'})${cause instanceof Error ? `: ${cause.message}` : ''}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

interface InFlight {
  /** The thread it was sent to: one that ended since is answered for by no other. */
  worker: Worker;
  resolve(outcome: BatchOutcome): void;
  reject(error: unknown): void;
}

/**
 * The thread that commits the embedded store's batches on a connection of its own, one batch at a time (the store
 * sends the next once the last is answered, which keeps positions in commit order). Started with the store, so that
 * the first command does not wait for a thread to load (some 40 ms from dist, 150 from the sources), and again with
 * the next batch after it ended; it holds the process open only while a batch is in flight.
 */
export class CommitWorker {
  private worker: Worker | null = null;
  private inFlight: InFlight | null = null;

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {
    // A build that left the script behind fails here, when the store opens, rather than at the first command.
    if (!existsSync(GROUP_COMMIT_WORKER_SCRIPT))
      throw new Error(`the event store's commit worker is missing: ${GROUP_COMMIT_WORKER_SCRIPT}`);
    this.start();
  }

  commit(batch: AppendRequest[]): Promise<BatchOutcome> {
    // In the executor: a worker that cannot even be started rejects the batch rather than throwing at the store.
    return new Promise<BatchOutcome>((resolve, reject) => {
      if (this.inFlight) throw new Error('a batch is already being committed');
      const worker = this.worker ?? this.start();
      this.inFlight = { worker, resolve, reject };
      worker.ref();
      worker.postMessage(batch);
    });
  }

  /** Ends the thread, its connection closed; the store has no batch in flight by then. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Held open until the thread has closed its connection: a process ending meanwhile would not wait for it.
    worker.ref();
    worker.postMessage({ close: true });
    await exited;
  }

  private start(): Worker {
    const worker = new Worker(GROUP_COMMIT_WORKER_SCRIPT, {
      workerData: { file: this.file, busyTimeoutMs: this.busyTimeoutMs, typescriptLoader: TYPESCRIPT_LOADER },
    });
    let failure: unknown;
    worker.on('message', ({ outcome, ending }: { outcome: BatchOutcome; ending?: boolean }) => {
      // Told before its exit event comes: the next batch, which may be sent at once, must not go to this one.
      if (ending && this.worker === worker) this.worker = null;
      worker.unref();
      this.settled(worker)?.resolve(outcome);
    });
    // An uncaught error (out of memory, a bug) comes before the exit that follows it: kept to say why.
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      this.settled(worker)?.reject(new CommitWorkerStoppedError(code, failure));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** The batch in flight on `worker`, no longer in flight; none if the one in flight went to another. */
  private settled(worker: Worker): InFlight | null {
    const inFlight = this.inFlight;
    if (inFlight?.worker !== worker) return null;
    this.inFlight = null;
    return inFlight;
  }
}
