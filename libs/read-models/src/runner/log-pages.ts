import type { EventStore, LogPosition, RecordedEvent } from '@desk/event-store';

/**
 * The pages of the log that the runners of one process read while they catch
 * up, read once for all of them: a page a runner reads stays until every
 * runner still catching up has read past it, and a runner that gets more than
 * `window` pages ahead of the slowest one waits for it (the slowest never
 * waits, so they all move). The events of a page are the same objects for
 * every runner, so decodeLogged decodes each once too. Five projections
 * catching up from the start of the log read it once instead of five times.
 */
export class LogPages {
  /** By `after` and page size; each with its `after`, by which it is dropped. */
  private readonly pages = new Map<string, { after: LogPosition; events: Promise<RecordedEvent[]> }>();
  /** Where each runner catching up reads from: the `after` of its last read. */
  private readonly readers = new Map<object, LogPosition>();
  private waiting: (() => void)[] = [];

  constructor(
    private readonly events: EventStore,
    private readonly window = 3,
  ) {}

  /** The events after `after` (at most `maxCount`), as `EventStore.readAll` reads them. */
  async read(reader: object, after: LogPosition, maxCount: number): Promise<RecordedEvent[]> {
    this.readers.set(reader, after);
    this.dropPassed();
    const key = `${after}:${maxCount}`;
    for (;;) {
      const cached = this.pages.get(key);
      if (cached) return cached.events;
      if (this.pages.size < this.window || after <= this.slowest()) break;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      // The reader may have left (stopped) while it waited: it reads on its own then, as a runner does without pages.
      if (!this.readers.has(reader)) return this.events.readAll({ after, maxCount });
    }
    const page = { after, events: this.events.readAll({ after, maxCount }) };
    this.pages.set(key, page);
    // A failed read is not kept: the runner retries it, and so does any other that finds it missing.
    page.events.catch(() => {
      if (this.pages.get(key) === page) this.pages.delete(key);
      this.wake();
    });
    return page.events;
  }

  /** The runner follows the live log now, or stopped, or failed: the others no longer wait for it. */
  leave(reader: object): void {
    if (!this.readers.delete(reader)) return;
    this.dropPassed();
    this.wake();
  }

  /** Pages kept now (for tests and status). */
  get size(): number {
    return this.pages.size;
  }

  private slowest(): LogPosition {
    let slowest: LogPosition | null = null;
    for (const position of this.readers.values()) if (slowest === null || position < slowest) slowest = position;
    return slowest ?? 0n;
  }

  /** A page is passed once every reader reads after its start; with no reader left, every page is. */
  private dropPassed(): void {
    const slowest = this.readers.size === 0 ? null : this.slowest();
    let dropped = false;
    for (const [key, { after }] of this.pages) {
      if (slowest === null || after < slowest) {
        this.pages.delete(key);
        dropped = true;
      }
    }
    if (dropped) this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
