import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import type { AppConfig } from '@desk/application';
import { ProblemError } from '@desk/http';
import {
  changeId,
  changesAfter,
  cursorOf,
  isAfter,
  ReadModelsBusyError,
  requestChangeView,
  type ChangeCursor,
  type ChangeFilter,
  type ChangeViewer,
  type ReadModelStore,
  type RequestChangeRow,
} from '@desk/read-models';
import { APP_CONFIG, READ_MODELS } from '../config/tokens';
import { CHANGES_PAGE, ChangeFeed } from './change-feed';
import type { ChangeSubscriber } from './change-routes';

/** How long an EventSource waits before it reconnects after the stream ends (the SSE `retry` field). */
export const RECONNECT_MS = 2000;

/** What one stream follows, and for whom. */
export interface StreamRequest {
  subject: string;
  viewer: ChangeViewer;
  filter: ChangeFilter;
  /** After which change to start; undefined: from now (after the last change the feed has handed out). */
  after: ChangeCursor | undefined;
}

/**
 * The open GET /changes streams of this process: at most CHANGES_STREAMS_PER_SUBJECT per token subject and
 * CHANGES_STREAMS_MAX in all (a 429 beyond), every one ended when the API shuts down (before the HTTP server
 * closes, so the close never waits for a stream).
 */
@Injectable()
export class ChangeStreams implements OnModuleDestroy {
  private readonly open = new Set<ChangeStream>();
  private readonly perSubject = new Map<string, number>();
  private closing = false;

  constructor(
    @Inject(ChangeFeed) private readonly feed: ChangeFeed,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Takes a place for a stream, or refuses with the problem to answer (before anything is written): a 429 past the
   * bounds, a 503 while shutting down or when the read models cannot be read.
   */
  async reserve(request: StreamRequest): Promise<ChangeStream> {
    if (this.closing) throw new ProblemError(503, 'Service unavailable', 'the service desk is shutting down; reconnect in a moment');
    const held = this.perSubject.get(request.subject) ?? 0;
    if (held >= this.config.changesStreamsPerSubject) {
      throw new ProblemError(
        429,
        'Too many requests',
        `${request.subject} already has ${held} change streams open, the most one caller may hold (CHANGES_STREAMS_PER_SUBJECT); close one first`,
      );
    }
    if (this.open.size >= this.config.changesStreamsMax) {
      throw new ProblemError(
        429,
        'Too many requests',
        `${this.open.size} change streams are open, the most this server holds (CHANGES_STREAMS_MAX); retry in a moment`,
      );
    }
    const stream = new ChangeStream(request, this.feed, this.readModels, this.config.changesKeepAliveMs, () => this.release(stream));
    this.open.add(stream);
    this.perSubject.set(request.subject, held + 1);
    try {
      await this.feed.start();
    } catch (error) {
      this.release(stream);
      throw error;
    }
    return stream;
  }

  get count(): number {
    return this.open.size;
  }

  /** Bytes the open streams hold in this process, written and not yet taken by the socket (each stream bounds its own). */
  get bufferedBytes(): number {
    let bytes = 0;
    for (const stream of this.open) bytes += stream.buffered;
    return bytes;
  }

  private release(stream: ChangeStream): void {
    if (!this.open.delete(stream)) return;
    const held = (this.perSubject.get(stream.subject) ?? 1) - 1;
    if (held <= 0) this.perSubject.delete(stream.subject);
    else this.perSubject.set(stream.subject, held);
  }

  /** Before the HTTP server closes: no new stream, every stream ended (an EventSource reconnects where it left off). */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    for (const stream of [...this.open]) stream.end();
    await this.feed.stop();
  }
}

/**
 * One client's stream: first the changes after its cursor read from request_changes in pages (at the pace the
 * client reads them), then, once caught up, the changes the feed hands out. No change is written while the socket's
 * buffer is full (past its high-water mark): the stream waits for it to drain and then reads on from its cursor, so
 * a slow client makes the API hold at most the high-water mark and one change for it. A client that takes nothing for
 * a whole keep-alive interval while changes wait for it (gone without a reset, or not reading) has its stream closed:
 * it frees its place, and a client that comes back resumes with Last-Event-ID and misses nothing.
 */
export class ChangeStream implements ChangeSubscriber {
  readonly subject: string;
  /**
   * After which change the stream goes on: the last one it sent (or where it started). The feed offers it only the
   * changes its filter lets through, so the changes between two it sent are ones it does not want; a catch-up from
   * here (with the filter, in SQL) misses none and repeats none.
   */
  private cursor: ChangeCursor | undefined;
  private response: ServerResponse | null = null;
  private live = false;
  private closed = false;
  private keepAlive: NodeJS.Timeout | null = null;
  /** What waited in the buffer at the last keep-alive tick that found it full (null: it was not, or drained since). */
  private waitingAtTick: number | null = null;
  /** Wakes the run loop: the client fell behind, or the stream closed. */
  private wake: (() => void) | null = null;

  constructor(
    private readonly request: StreamRequest,
    private readonly feed: ChangeFeed,
    private readonly readModels: ReadModelStore,
    private readonly keepAliveMs: number,
    private readonly released: () => void,
  ) {
    this.subject = request.subject;
    this.cursor = request.after;
  }

  /** Writes the head of the answer and follows changes until the client leaves or the stream is ended. */
  start(response: ServerResponse, headers: OutgoingHttpHeaders): void {
    this.response = response;
    response.on('close', () => this.close());
    response.on('error', () => this.close());
    // The client took the whole buffer: whatever fills it again before the next tick is new, so it is not stalled.
    response.on('drain', () => (this.waitingAtTick = null));
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Proxies that buffer answers (nginx) pass this one on as it comes.
      'x-accel-buffering': 'no',
      connection: 'close',
    });
    this.cursor ??= this.feed.position;
    response.write(`retry: ${RECONNECT_MS}\n: changes after ${changeId(positionOf(this.cursor))}\n\n`);
    this.keepAlive = setInterval(() => this.tick(response), this.keepAliveMs);
    void this.run();
  }

  /** Bytes written to this stream's answer that its socket has not taken yet. */
  get buffered(): number {
    return this.response?.writableLength ?? 0;
  }

  /** Every keep-alive interval: a comment when idle, nothing added to a full buffer, and the end of a stalled client. */
  private tick(response: ServerResponse): void {
    if (this.closed) return;
    if (!response.writableNeedDrain) {
      this.waitingAtTick = null;
      response.write(': keep-alive\n\n');
      return;
    }
    const waiting = response.writableLength;
    if (this.waitingAtTick !== null && waiting >= this.waitingAtTick) {
      // Not a byte taken since the last tick.
      this.close();
      return;
    }
    this.waitingAtTick = waiting;
  }

  /** Ends the stream from this side (shutdown). */
  end(): void {
    const response = this.response;
    if (response && !response.writableEnded) {
      // The connection is the stream's alone (connection: close): once the end is out, it goes, and a close never waits for it.
      response.end(() => response.destroy());
      setTimeout(() => response.destroy(), 1000).unref();
    }
    this.close();
  }

  get filter(): ChangeFilter {
    return this.request.filter;
  }

  deliver(row: RequestChangeRow, at: ChangeCursor): void {
    // The last catch-up read may have sent changes past what the feed had handed out: those come again, at or before the cursor.
    if (this.closed || !this.live || !comesAfter(at, this.cursor!)) return;
    if (!this.send(row, at)) {
      // Behind: back to reading pages at the client's pace.
      this.live = false;
      this.feed.unsubscribe(this);
      this.wake?.();
    }
  }

  private async run(): Promise<void> {
    try {
      while (!this.closed) {
        if (!(await this.caughtUpUnlessBusy())) continue;
        if (this.closed) break;
        // Live until the client falls behind or leaves.
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        await this.drained();
      }
    } catch {
      // The read models out of reach: the client reconnects with the last id it received and misses nothing.
      this.end();
    }
  }

  /**
   * catchUp, but read models too busy to take its query (every query worker taken, their queue full) are a moment's
   * wait, not the end: the stream keeps its place and reads again after the wait they ask for. False after such a wait.
   */
  private async caughtUpUnlessBusy(): Promise<boolean> {
    try {
      await this.catchUp();
      return true;
    } catch (error) {
      if (!(error instanceof ReadModelsBusyError)) throw error;
      // Spread over the wait, so that streams refused together do not come back together.
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterSeconds * 1000 * (0.5 + Math.random() / 2)));
      return false;
    }
  }

  /** Pages of changes after the cursor until none is left that the feed has not handed out, then live. */
  private async catchUp(): Promise<void> {
    while (!this.closed) {
      const handedOut = this.feed.position;
      const rows = await changesAfter(this.readModels.reader, this.cursor!, this.request.filter, CHANGES_PAGE);
      if (this.closed) return;
      let flowing = true;
      for (const row of rows) {
        if (!isAfter(row, this.cursor!)) continue;
        flowing = this.send(row);
        // The rest of the page is read again from the cursor once the client has taken what was sent.
        if (!flowing) break;
      }
      if (!flowing) {
        await this.drained();
        continue;
      }
      if (rows.length === CHANGES_PAGE || this.closed) continue;
      // Every change up to what the feed had handed out before this read was committed before it, so the read saw
      // it; if the feed has handed out nothing since, what it hands out from now on is exactly what follows.
      if (this.feed.position === handedOut) {
        this.live = true;
        this.feed.subscribe(this);
        return;
      }
    }
  }

  /** Sends a change (as the viewer may see it) and moves the cursor; false when the socket's buffer is full. */
  private send(row: RequestChangeRow, at: ChangeCursor = cursorOf(row)): boolean {
    this.cursor = at;
    const change = requestChangeView(row, this.request.viewer);
    if (!change || !this.response) return true;
    return this.response.write(`id: ${changeId(row)}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);
  }

  private drained(): Promise<void> {
    const response = this.response;
    if (this.closed || !response || !response.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        response.off('drain', done);
        response.off('close', done);
        resolve();
      };
      response.on('drain', done);
      response.on('close', done);
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.live = false;
    this.feed.unsubscribe(this);
    if (this.keepAlive) clearInterval(this.keepAlive);
    // The client left, or the stream failed: its connection goes with it (it would otherwise hold the server's close).
    if (this.response && !this.response.writableEnded) this.response.destroy();
    this.wake?.();
    this.released();
  }
}

function comesAfter(change: ChangeCursor, cursor: ChangeCursor): boolean {
  return change.position > cursor.position || (change.position === cursor.position && change.seq > cursor.seq);
}

function positionOf(cursor: ChangeCursor): Pick<RequestChangeRow, 'position' | 'seq'> {
  return { position: cursor.position < 0n ? '0' : String(cursor.position), seq: cursor.seq };
}
