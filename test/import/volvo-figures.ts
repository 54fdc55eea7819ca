import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
// Node's own Punycode encoder (deprecated for applications, kept by Node): independent of the importer's.
import * as nodePunycode from 'node:punycode';

/**
 * Figures of the Volvo IT log computed straight from the CSV, without the
 * product: the independent side of the import check. It reads the log the
 * way the README says the mapping does — a Closed or Cancelled incident is
 * final, Unmatched rows are ignored, Wait-* rows are holds, Completed rows
 * other than Closed/Cancelled are resolutions — and nothing else.
 */
export interface VolvoFigures {
  incidents: number;
  finalStatus: Record<string, number>;
  openPerTeamAt: (at: Date) => Map<string, number>;
  /** Minutes from an incident's first row to its resolution, for incidents resolved or closed at the end. */
  resolutionMinutes: number[];
  /** Each resource (agent, as the mapping folds it) of a row with a status, and the teams such rows show them in. */
  agentTeams: Map<string, Set<string>>;
}

type Phase = 'new' | 'assigned' | 'in_progress' | 'on_hold' | 'resolved' | 'closed' | 'cancelled';

function phaseOf(status: string, sub: string): Phase | null {
  if (status === 'Queued') return 'new';
  if (status === 'Accepted') return sub === 'Assigned' ? 'assigned' : sub.startsWith('Wait') ? 'on_hold' : 'in_progress';
  if (status === 'Completed') return sub === 'Closed' ? 'closed' : sub === 'Cancelled' ? 'cancelled' : 'resolved';
  return null;
}

const OPEN: Phase[] = ['new', 'assigned', 'in_progress', 'on_hold'];

/** What the import names the ids it creates by: `<source>:<folded value>`. */
const SOURCE = 'bpi2013-volvo';

/** A plain Latin value as the mapping folds it (letters, digits, '-'). */
function folded(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9._:-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '');
}

/** The team id of a team the log names. */
function teamId(team: string): string {
  return `${SOURCE}:${folded(team)}`;
}

/**
 * A resource's id as the mapping folds it: compatibility forms and accents dropped (the log has names such as
 * "us-AndrÈ"), a word with another letter (the log's "se-Torbjˆrn") written in Punycode by Node's own encoder, then folded as
 * a team's name is. Spellings of one resource that differ in case or accents are one agent (the mapping's mergeSpellings).
 */
function agentId(resource: string): string {
  const plain = resource.normalize('NFKD').toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
  return `${SOURCE}:${folded(plain.replace(/[\p{L}\p{N}]+/gu, (word) => (/^[a-z0-9]+$/.test(word) ? word : `xn--${nodePunycode.encode(word)}`)))}`;
}

export function volvoFigures(file: string): VolvoFigures {
  const rows = parse(readFileSync(file), { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const cases = new Map<string, { at: number; line: number; phase: Phase | null; team: string }[]>();
  const agentTeams = new Map<string, Set<string>>();
  rows.forEach((row, index) => {
    if (phaseOf(row.Status, row['Sub Status']) !== null) {
      const agent = agentId(row.Resource);
      agentTeams.set(agent, (agentTeams.get(agent) ?? new Set()).add(teamId(row['Involved ST'])));
    }
    const list = cases.get(row['SR Number']) ?? [];
    list.push({
      at: Date.parse(row['Change Date+Time']),
      line: index,
      phase: phaseOf(row.Status, row['Sub Status']),
      team: teamId(row['Involved ST']),
    });
    cases.set(row['SR Number'], list);
  });
  const histories = [...cases.values()].map((list) =>
    list
      .filter((entry) => entry.phase !== null)
      .sort((a, b) => a.at - b.at || a.line - b.line)
      .reduce<{ at: number; phase: Phase; team: string }[]>((kept, entry) => {
        const last = kept[kept.length - 1];
        if (last && (last.phase === 'closed' || last.phase === 'cancelled')) return kept;
        kept.push({ at: entry.at, phase: entry.phase!, team: entry.team });
        return kept;
      }, []),
  );
  const finalStatus: Record<string, number> = {};
  const resolutionMinutes: number[] = [];
  for (const history of histories) {
    if (history.length === 0) continue;
    const last = history[history.length - 1];
    finalStatus[last.phase] = (finalStatus[last.phase] ?? 0) + 1;
    if (last.phase !== 'resolved' && last.phase !== 'closed') continue;
    // The resolution that stood at the end: the first resolved/closed row after the last open one.
    let resolvedAt = history[0].at;
    for (let i = 0; i < history.length; i++) {
      const entry = history[i];
      if ((entry.phase === 'resolved' || entry.phase === 'closed') && (i === 0 || OPEN.includes(history[i - 1].phase)))
        resolvedAt = entry.at;
    }
    resolutionMinutes.push(Math.round((resolvedAt - history[0].at) / 60000));
  }
  return {
    incidents: histories.filter((history) => history.length > 0).length,
    finalStatus,
    resolutionMinutes,
    agentTeams,
    openPerTeamAt(at: Date) {
      const open = new Map<string, number>();
      for (const history of histories) {
        const upTo = history.filter((entry) => entry.at <= at.getTime());
        const last = upTo[upTo.length - 1];
        if (last && OPEN.includes(last.phase)) open.set(last.team, (open.get(last.team) ?? 0) + 1);
      }
      return open;
    },
  };
}
