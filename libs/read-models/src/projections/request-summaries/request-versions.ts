import type { RequestSummaryRow, RequestVersionRow } from '../../store/read-model-tables';

/** valid_to of a request's current version: after every business time. */
export const OPEN_END = '9999-12-31T23:59:59.999Z';

/**
 * A request's summary as it stood at each business time: the versions of one request from some time on, sorted by
 * `valid_from`, each valid until the next one starts (the last until OPEN_END).
 *
 * The summary as of T is what the events that occurred up to T make of it, applied in log order (a replay's
 * answer). The projection always receives the newest event of the log, so a change at business time t is, for
 * every version valid at or after t, that version with the change applied after everything it holds: the version
 * covering t splits at t, the later ones are changed in place. Events in business order only ever change the last
 * version (or start a new one); an event older than the request's later versions (an import of older history, a
 * case whose rows are not sorted) recomputes those, without reading the log again.
 */
export class VersionTimeline {
  /** Versions whose valid_to is after `from`, in order; what came before is not loaded and never changes. */
  private readonly versions: RequestVersionRow[];
  /** Versions written since loading (by valid_from). */
  private readonly dirty = new Set<RequestVersionRow>();

  constructor(loaded: readonly RequestVersionRow[]) {
    this.versions = [...loaded].sort((a, b) => (a.valid_from < b.valid_from ? -1 : a.valid_from > b.valid_from ? 1 : 0));
  }

  /**
   * Applies a change at business time `at` (as toISOString writes it) to the versions valid from then on. `change`
   * returns its argument itself when it changes nothing; it is given undefined for a time before the request
   * existed, where only an opening makes a version.
   */
  apply(at: string, change: (row: RequestSummaryRow | undefined) => RequestSummaryRow | undefined): void {
    const next: RequestVersionRow[] = [];
    let index = 0;
    for (; index < this.versions.length && this.versions[index].valid_to <= at; index++) next.push(this.versions[index]);
    const first = this.versions[index];
    if (first === undefined || first.valid_from > at) {
      // Nothing was known of the request at `at`: only a change that makes a row (an opening) starts a version there.
      const made = change(undefined);
      if (made !== undefined) next.push(this.mark({ ...made, valid_from: at, valid_to: first?.valid_from ?? OPEN_END }));
    }
    for (; index < this.versions.length; index++) {
      const version = this.versions[index];
      const changed = change(summaryOf(version));
      if (changed === undefined || changed === summaryOf(version) || sameSummary(changed, version)) {
        next.push(version);
      } else if (version.valid_from < at) {
        next.push(this.mark({ ...version, valid_to: at }), this.mark({ ...changed, valid_from: at, valid_to: version.valid_to }));
      } else {
        next.push(this.mark({ ...changed, valid_from: version.valid_from, valid_to: version.valid_to }));
      }
    }
    this.versions.splice(0, this.versions.length, ...next);
  }

  /** The versions to write: new ones and those whose fields or validity changed. */
  written(): RequestVersionRow[] {
    return this.versions.filter((version) => this.dirty.has(version));
  }

  private mark(version: RequestVersionRow): RequestVersionRow {
    this.dirty.add(version);
    return version;
  }
}

/** A version's summary: the version row read as a summary (valid_from and valid_to are ignored by evolve, kept out of comparisons). */
function summaryOf(version: RequestVersionRow): RequestSummaryRow {
  return version;
}

function sameSummary(row: RequestSummaryRow, version: RequestVersionRow): boolean {
  for (const key of Object.keys(row) as (keyof RequestSummaryRow)[]) if (row[key] !== version[key]) return false;
  return true;
}

/** A business time as versions keep it: the one text form (toISOString's), so that text order is time order. */
export function versionTime(occurredAt: string): string {
  const time = Date.parse(occurredAt);
  return Number.isNaN(time) ? occurredAt : new Date(time).toISOString();
}
