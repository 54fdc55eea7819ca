/** valid_to of a current version: after every business time. */
export const OPEN_END = '9999-12-31T23:59:59.999Z';

/** A state as it stood from `from` (inclusive) until `to` (exclusive), business times as toISOString writes them. */
export interface Version<State> {
  from: string;
  to: string;
  state: State;
}

/**
 * The history in business time of one thing (a request's node, a link), as versions that never overlap; where
 * there is none, the thing did not exist (a link not made, or removed; a request not yet opened).
 *
 * The state as of T is what the events that occurred up to T make of it, applied in log order (a replay's answer).
 * The projection always receives the newest event of the log, so an event at business time t changes every state
 * valid at or after t into that state with the event applied after everything it holds: the version covering t
 * splits at t, the later ones change in place, and where nothing existed the event may make something (an opening, a
 * link). An event older than later versions (an import of older history) so recomputes them without reading the
 * log again. Neighbours left equal are merged, so an event that changes nothing leaves the versions as they were.
 */
export class Timeline<State> {
  private versions: Version<State>[];
  private readonly loaded: ReadonlyMap<string, Version<State>>;

  /**
   * `loaded`: every version that ends at or after the earliest time that will be applied (earlier ones never change).
   * `same`: whether two neighbouring states may be one version; the later one is kept (it holds every event the
   * earlier one does).
   */
  constructor(
    loaded: readonly Version<State>[],
    private readonly same: (earlier: State, later: State) => boolean,
  ) {
    this.versions = [...loaded].sort((a, b) => compare(a.from, b.from));
    this.loaded = new Map(loaded.map((version) => [version.from, version]));
  }

  /** `change` is given undefined where nothing existed, and returns its argument itself when it changes nothing. */
  apply(at: string, change: (state: State | undefined) => State | undefined): void {
    const next: Version<State>[] = [];
    let uncovered = at;
    const fill = (to: string) => {
      if (uncovered >= to) return;
      const made = change(undefined);
      if (made !== undefined) next.push({ from: uncovered, to, state: made });
    };
    for (const version of this.versions) {
      if (version.to <= at) {
        next.push(version);
        continue;
      }
      fill(version.from);
      const changed = change(version.state);
      if (changed === version.state) next.push(version);
      else {
        if (version.from < at) next.push({ ...version, to: at });
        if (changed !== undefined) next.push({ from: version.from < at ? at : version.from, to: version.to, state: changed });
      }
      uncovered = version.to;
    }
    fill(OPEN_END);
    this.versions = this.merged(next);
  }

  /** The versions valid at a time, or undefined. */
  at(time: string): State | undefined {
    return this.versions.find((version) => version.from <= time && time < version.to)?.state;
  }

  /** What to write: versions new or changed since loading, and the starts of loaded versions that are gone. */
  changes(equal: (a: State, b: State) => boolean): { written: Version<State>[]; removed: string[] } {
    const current = new Set(this.versions.map((version) => version.from));
    return {
      written: this.versions.filter((version) => {
        const before = this.loaded.get(version.from);
        return before === undefined || before.to !== version.to || !equal(before.state, version.state);
      }),
      removed: [...this.loaded.keys()].filter((from) => !current.has(from)),
    };
  }

  private merged(versions: Version<State>[]): Version<State>[] {
    const out: Version<State>[] = [];
    for (const version of versions) {
      const last = out[out.length - 1];
      if (last && last.to === version.from && this.same(last.state, version.state)) {
        out[out.length - 1] = { from: last.from, to: version.to, state: version.state };
      } else out.push(version);
    }
    return out;
  }
}

/** A business time as versions keep it: one text form (toISOString's), so that text order is time order. */
export function versionTime(occurredAt: string): string {
  // Most times are written by toISOString already: parsing and writing them again was a twentieth of a catch-up.
  if (CANONICAL_TIME.test(occurredAt)) return occurredAt;
  const time = Date.parse(occurredAt);
  return Number.isNaN(time) ? occurredAt : new Date(time).toISOString();
}

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
