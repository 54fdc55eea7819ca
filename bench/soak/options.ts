import { argument } from '../support/cli';

export interface SoakOptions {
  minutes: number;
  /** Commands a second. */
  rate: number;
  /** Queries a second. */
  queryRate: number;
  seed: number;
  /** Run the API from its build (dist) rather than compiled on load. */
  built: boolean;
  /** One minute by default, and the report printed, not written to bench/SOAK.md. */
  quick: boolean;
}

/** The soak's command line: [--minutes 20] [--rate 200] [--query-rate 50] [--seed 7] [--built] [--quick]. */
export function soakOptions(): SoakOptions {
  const quick = process.argv.includes('--quick');
  return {
    minutes: Number(argument('--minutes') ?? (quick ? 1 : 20)),
    rate: Number(argument('--rate') ?? 200),
    queryRate: Number(argument('--query-rate') ?? 50),
    seed: Number(argument('--seed') ?? 7),
    built: process.argv.includes('--built'),
    quick,
  };
}
