import { Inject, Injectable } from '@nestjs/common';
import { ReadSide, type AppConfig } from '@desk/application';
import type { LogPosition } from '@desk/event-store';
import { changesAfter, cursorOf, lastChange, type ChangeCursor, type ReadModelStore } from '@desk/read-models';
import { APP_CONFIG, READ_MODELS } from '../config/tokens';
import { ChangeRoutes, type ChangeSubscriber } from './change-routes';

export type { ChangeSubscriber } from './change-routes';

/** The projection that writes request_changes. */
export const CHANGES_PROJECTION = 'request-summaries';

/** Rows read at once, by the feed and by a stream catching up. */
export const CHANGES_PAGE = 200;

/** Longest the feed waits in one go, so that it notices a stop soon. */
const WAIT_SLICE_MS = 250;

/**
 * The one reader of new changes in this process, for every stream: each time request-summaries commits (waited for
 * as it commits where this process runs it, or by looking at its checkpoint every CHANGES_POLL_MS on a query-only
 * replica), it reads the changes after the last one it read, once, and hands each to the live streams whose filter
 * lets it through (ChangeRoutes finds them without asking the others). A thousand idle streams so cost one wait and
 * one read per commit, not a thousand, and a change costs nothing for the streams that do not follow it.
 *
 * `position` is the last change handed out; it moves in the same synchronous step as the hand-out, so a stream that
 * catches up by itself and finds `position` unchanged across its own read knows that it missed nothing in between.
 */
@Injectable()
export class ChangeFeed {
  private head: ChangeCursor | null = null;
  private readonly subscribers = new ChangeRoutes();
  private started: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(ReadSide) private readonly readSide: ReadSide,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Starts following request-summaries' commits (once); resolves when `position` is known. */
  start(): Promise<void> {
    this.started ??= this.begin().catch((error: unknown) => {
      this.started = null;
      throw error;
    });
    return this.started;
  }

  /** The last change handed out (after start). */
  get position(): ChangeCursor {
    if (!this.head) throw new Error('the change feed has not started');
    return this.head;
  }

  subscribe(subscriber: ChangeSubscriber): void {
    this.subscribers.add(subscriber);
  }

  unsubscribe(subscriber: ChangeSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.subscribers.clear();
    await this.loop;
  }

  private async begin(): Promise<void> {
    // The checkpoint first: every change up to it is committed, so the last change read next is at or past it.
    const seen = await this.checkpoint();
    this.head = await lastChange(this.readModels.reader);
    this.loop = this.follow(seen);
  }

  private async checkpoint(): Promise<LogPosition> {
    return (await this.readSide.checkpoints([CHANGES_PROJECTION])).get(CHANGES_PROJECTION) ?? -1n;
  }

  private async follow(from: LogPosition): Promise<void> {
    let seen = from;
    let failures = 0;
    while (!this.stopped) {
      try {
        const moved = await this.readSide.waitFor([CHANGES_PROJECTION], seen + 1n, WAIT_SLICE_MS, this.config.changesPollMs);
        if (this.stopped) break;
        if (!moved) continue;
        const checkpoint = await this.checkpoint();
        await this.readNew();
        // A read model built again from the start (another log's) moves the checkpoint back: follow it from there.
        seen = checkpoint;
        failures = 0;
      } catch {
        // The read-model store out of reach, or request_changes not built yet on a replica: streams wait, and so does this.
        failures++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** Math.min(failures, 6))));
      }
    }
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const rows = await changesAfter(this.readModels.reader, this.position, {}, CHANGES_PAGE);
      if (this.stopped) return;
      for (const row of rows) {
        const at = cursorOf(row);
        this.head = at;
        this.subscribers.deliver(row, at);
      }
      if (rows.length < CHANGES_PAGE) return;
    }
  }
}
