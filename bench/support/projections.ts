import { tokenFor, type RunningService } from './service';

/** GET /admin/projections, as an operator sees it. */
export interface ProjectionListing {
  head: string;
  projections: {
    name: string;
    state: string;
    checkpoint: string;
    lag?: string;
    restarts?: number;
    lastError?: string | null;
    fault?: unknown;
    rebuild?: { state: string; checkpoint: string; rate: number; startedAt: string } | null;
  }[];
}

export async function projectionListing(api: Pick<RunningService, 'url'>): Promise<ProjectionListing> {
  const answer = await fetch(`${api.url}/admin/projections`, { headers: { authorization: `Bearer ${tokenFor('operator')}` } });
  if (answer.status !== 200) throw new Error(`GET /admin/projections: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as ProjectionListing;
}

/** Until every projection has reached the head of the log (at most `timeoutMs`, when given), looking every 50 ms. */
export async function untilCaughtUp(api: Pick<RunningService, 'url'>, timeoutMs = Infinity): Promise<ProjectionListing> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const listing = await projectionListing(api);
    if (listing.projections.every((p) => BigInt(p.checkpoint) >= BigInt(listing.head))) return listing;
    if (performance.now() > deadline)
      throw new Error(`the projections did not catch up within ${timeoutMs} ms: ${JSON.stringify(listing)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Until no rebuild is under way; `seen` is told every listing on the way. */
export async function untilRebuilt(
  api: Pick<RunningService, 'url'>,
  seen: (listing: ProjectionListing) => void = () => {},
  intervalMs = 100,
): Promise<void> {
  for (;;) {
    const listing = await projectionListing(api);
    seen(listing);
    if (listing.projections.every((p) => !p.rebuild)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
