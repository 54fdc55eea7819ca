import { metricValue } from './metrics';
import { round } from './report';
import type { RunningService } from './service';

/** What the API itself measured of one route between two looks at /metrics. */
export interface RouteView {
  /** The smallest histogram bound under which 99% of the route's 200 answers were computed (the API's own timing). */
  routeP99Ms: number;
  answers: number;
  loopLagP99Ms: number;
  loopLagMaxMs: number;
  describe: string;
}

/**
 * The API's latency histogram of `route` (its 200 answers) since `before`, and its event-loop lag since the last
 * look (prom-client resets the lag histogram at every scrape, so look once before the measure).
 */
export async function serverView(
  api: Pick<RunningService, 'url'>,
  route: string,
  before?: Map<number, number>,
): Promise<{ view: RouteView; before: Map<number, number> }> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const match = /^desk_http_request_duration_seconds_bucket\{(.*)\} (\d+)$/.exec(line);
    if (!match || !match[1].includes(`route="${route}"`) || !match[1].includes('status="200"')) continue;
    const le = /le="([^"]+)"/.exec(match[1])![1];
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  const counts = [...buckets].map(([le, count]) => [le, count - (before?.get(le) ?? 0)] as const).sort((a, b) => a[0] - b[0]);
  const answers = counts[counts.length - 1]?.[1] ?? 0;
  const p99 = (counts.find(([, count]) => count >= answers * 0.99)?.[0] ?? NaN) * 1000;
  const lag = (name: string) => round(metricValue(text, name) * 1000, 1);
  const view = { routeP99Ms: p99, answers, loopLagP99Ms: lag('desk_nodejs_eventloop_lag_p99_seconds'), loopLagMaxMs: lag('desk_nodejs_eventloop_lag_max_seconds') };
  return {
    view: {
      ...view,
      describe:
        `99% of ${answers} answers of ${route} computed within ${view.routeP99Ms} ms (its latency histogram's bound, from the request's arrival in fastify to its answer); ` +
        `its event loop lagged ${view.loopLagP99Ms} ms at p99, ${view.loopLagMaxMs} ms at most`,
    },
    before: buckets,
  };
}
