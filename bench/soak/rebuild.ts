import { round, say } from '../support/report';
import { untilRebuilt, type ProjectionListing } from '../support/projections';
import type { RunningService } from '../support/service';
import { send, type Tally } from './http';

/** An operator's rebuild of both read models in the middle of the load, followed until both are swapped in. */

export const PROJECTIONS = ['request-summaries', 'impact-chain'];

export interface Rebuild {
  startedS?: number;
  finishedS?: number;
  /** The rebuild states GET /admin/projections showed, by projection. */
  states: Set<string>;
  error?: string;
  /** The largest lag of a live read model behind the head seen during the rebuild, in events. */
  maxLag: number;
}

/** Starts the rebuild `atS` seconds from now; `done` settles once it is over, whether it succeeded or not. */
export function rebuildAt(
  atS: number,
  api: RunningService,
  monitoring: Tally,
  operator: string,
  clock: () => number,
): { rebuild: Rebuild; done: Promise<void> } {
  const rebuild: Rebuild = { states: new Set(), maxLag: 0 };
  const done = new Promise<void>((resolve) => {
    setTimeout(() => {
      void (async () => {
        rebuild.startedS = clock();
        say(`soak: rebuilding ${PROJECTIONS.join(' and ')} at ${round(rebuild.startedS)} s`);
        for (const name of PROJECTIONS) {
          const answer = await send(
            monitoring,
            api.url,
            '/admin/projections/:name/rebuild',
            'POST',
            `/admin/projections/${name}/rebuild`,
            operator,
          );
          if (answer?.status !== 202) rebuild.error = `rebuild ${name}: ${answer?.status ?? 'failed'}`;
        }
        await untilRebuilt(
          api,
          (listing: ProjectionListing) => {
            for (const p of listing.projections) {
              if (p.rebuild) rebuild.states.add(`${p.name}: ${p.rebuild.state}`);
              rebuild.maxLag = Math.max(rebuild.maxLag, Number(p.lag ?? 0));
            }
          },
          250,
        );
        rebuild.finishedS = clock();
        say(`soak: rebuild done in ${round(rebuild.finishedS - rebuild.startedS, 1)} s`);
      })()
        .catch((error: Error) => (rebuild.error = error.message))
        .finally(resolve);
    }, atS * 1000);
  });
  return { rebuild, done };
}

/** What went wrong with the rebuild, for the soak's list of problems. */
export function rebuildProblems(rebuild: Rebuild): string[] {
  const problems: string[] = [];
  if (rebuild.error) problems.push(`the rebuild: ${rebuild.error}`);
  if (rebuild.finishedS === undefined) problems.push('the rebuild did not finish');
  if ([...rebuild.states].some((s) => s.endsWith('faulted'))) problems.push(`a rebuild faulted: ${[...rebuild.states].join(', ')}`);
  return problems;
}
