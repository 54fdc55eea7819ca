import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';

export interface MetricsScrapeOptions {
  /** The bearer token a scrape must send; undefined: /metrics is open (keep it inside your network). */
  token: string | undefined;
  /** How long one rendering of the series answers every scrape; 0: each scrape renders, concurrent ones share it. */
  cacheMs: number;
}

/**
 * The answer to GET /metrics. Rendering every series (the histograms by route and command, the process's
 * figures, the head of the log read from the event store) costs the API's one thread about 2 ms, so scrapers
 * polling it at once took that time from the commands: one rendering now answers every scrape for `cacheMs`, and
 * scrapes that arrive while it is made wait for it instead of making their own.
 */
export class MetricsScrape {
  private rendered: { text: string; at: number } | null = null;
  private rendering: Promise<string> | null = null;
  private readonly tokenDigest: Buffer | null;

  constructor(
    private readonly registry: Registry,
    private readonly options: MetricsScrapeOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokenDigest = options.token === undefined ? null : digest(options.token);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Whether a scrape sending this Authorization header may read the series. */
  admits(authorization: string | undefined): boolean {
    if (this.tokenDigest === null) return true;
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    // Compared as digests of equal length, in constant time: the comparison tells nothing of how much of it matched.
    return match !== null && timingSafeEqual(digest(match[1]), this.tokenDigest);
  }

  text(): Promise<string> {
    if (this.rendered && this.now() - this.rendered.at < this.options.cacheMs) return Promise.resolve(this.rendered.text);
    this.rendering ??= this.registry
      .metrics()
      .then((text) => {
        this.rendered = { text, at: this.now() };
        return text;
      })
      .finally(() => {
        this.rendering = null;
      });
    return this.rendering;
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest();
