import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { importCsv, type ImportResult } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { allProjections, openSqlite } from '@desk/read-models';
import { readWholeLog } from '../support/shared-event-stores';
import { project } from '../read-models/support/read-model-backends';
import { genericMapping, writeGenericLog, type GenericRow } from './generic-log';

/**
 * The "done when": a generated ServiceNow-style log with "?" for empty values, a status that depends on the
 * agent column, reopening after close, agent changes on hold rows and team changes after resolution imports with no
 * entity named "?" or "x", every difference between a case's last row and what the desk holds of it in the report,
 * and the desk's figures (read models) equal to those a script reading the CSV alone computes.
 * Seeded: RELIABILITY_SEED reproduces a run, RELIABILITY_SCALE runs more.
 */
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261206);
const RUNS = 12 * Number(process.env.RELIABILITY_SCALE ?? 1);

const TEAMS = ['Service Desk', 'Network', 'Сеть'];
const AGENTS = ['Ann Lee', 'Bo Chen', 'Cy Díaz', 'Дмитрий'];
const CALLERS = ['Eve Roe', 'Ünal Kaya', '山田'];

/** What the source does next to a case; the generator keeps to what its own workflow allows. */
type Move = 'work' | 'handover' | 'hold' | 'resume' | 'resolve' | 'close' | 'reopen' | 'transfer' | 'reprioritise' | 'noise';

/** The moves the source's workflow allows in each phase of a case. */
const ALLOWED: Record<Phase, Move[]> = {
  queued: ['work', 'transfer', 'reprioritise', 'noise'],
  working: ['handover', 'hold', 'resolve', 'transfer', 'reprioritise', 'noise'],
  held: ['handover', 'resume', 'resolve', 'noise'],
  resolved: ['close', 'reopen', 'transfer', 'reprioritise'],
  closed: ['reopen', 'noise'],
};
type Phase = 'queued' | 'working' | 'held' | 'resolved' | 'closed';

const caseArb = fc.record({
  team: fc.nat(TEAMS.length - 1),
  caller: fc.nat(CALLERS.length - 1),
  priority: fc.constantFrom('1', '2', '3', '4', '?'),
  // Each move picks, by its first number, one of the moves its phase allows.
  moves: fc.array(fc.tuple(fc.nat(59), fc.nat(AGENTS.length - 1), fc.nat(TEAMS.length - 2), fc.integer({ min: 1, max: 600 })), {
    minLength: 1,
    maxLength: 16,
  }),
});

/** The rows of one case: the state after each change, as a ServiceNow export writes them. */
function rowsOf(number: string, spec: CaseSpec, start: number): GenericRow[] {
  let time = start;
  const snapshot: Record<string, string> = {
    number,
    state: 'Active',
    team: TEAMS[spec.team],
    assigned_to: '?',
    priority: spec.priority,
    caller: CALLERS[spec.caller],
    tier: '?',
    category: '?',
  };
  let phase = 'queued' as Phase;
  const rows: GenericRow[] = [{ ...snapshot, updated: new Date(time).toISOString() }];
  for (const [pick, agent, other, minutes] of spec.moves) {
    time += minutes * 60_000;
    const move = ALLOWED[phase][pick % ALLOWED[phase].length];
    // Another team than the case's.
    const team = TEAMS.filter((name) => name !== snapshot.team)[other];
    const set = (changes: Record<string, string>, next: typeof phase) => {
      Object.assign(snapshot, changes);
      phase = next;
      rows.push({ ...snapshot, updated: new Date(time).toISOString() });
    };
    switch (move) {
      case 'work':
        set({ assigned_to: AGENTS[agent] }, 'working');
        break;
      case 'handover':
        // Another agent while working or on hold (the quirk: an agent change on a hold row).
        set({ assigned_to: AGENTS.filter((name) => name !== snapshot.assigned_to)[agent % (AGENTS.length - 1)] }, phase);
        break;
      case 'hold':
        set({ state: 'On Hold', assigned_to: AGENTS[agent] }, 'held');
        break;
      case 'resume':
        set({ state: 'Active' }, 'working');
        break;
      case 'resolve':
        set({ state: 'Resolved', assigned_to: AGENTS[agent] }, 'resolved');
        break;
      case 'close':
        set({ state: 'Closed' }, 'closed');
        break;
      case 'reopen':
        // Worked on again after resolution, or after closing (the quirk: reopen after close).
        set({ state: 'Active', assigned_to: AGENTS[agent] }, 'working');
        break;
      case 'transfer':
        // A team change after resolution keeps the state (the quirk); before it, the case waits in the other queue.
        if (phase === 'resolved') set({ team }, 'resolved');
        else set({ team, state: 'Active', assigned_to: '?' }, 'queued');
        break;
      case 'reprioritise':
        set({ priority: String(1 + (agent % 4)) }, phase);
        break;
      case 'noise':
        // A row naming no requester: refused whole, and the case goes on from the row before it.
        rows.push({ ...snapshot, caller: '?', state: 'Nonsense', updated: new Date(time).toISOString() });
        break;
    }
  }
  return rows;
}

interface CaseSpec {
  team: number;
  caller: number;
  priority: string;
  moves: [number, number, number, number][];
}

const mapping = () =>
  genericMapping({
    status: {
      column: 'state',
      rules: [
        { when: { state: 'Active', assigned_to: null }, then: 'new' },
        { when: { state: 'Active' }, then: 'in_progress' },
      ],
      values: { 'On Hold': 'on_hold:awaiting_requester', Resolved: 'resolved', Closed: 'closed' },
    },
    priority: { column: 'priority', values: { '1': 'critical', '2': 'high', '3': 'medium', '4': 'low' }, default: 'medium' },
    department: { column: 'team', afterResolution: 'transfer' },
    afterClosed: 'reopen',
  });

/** The figures of each case, from the CSV alone: the rules are the mapping's and the README's, not the importer's code. */
function figuresFromCsv(file: string) {
  const records = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
  const rows = records.filter((row) => row.caller !== '?');
  const cases = new Map<string, Record<string, string>[]>();
  for (const row of rows) cases.set(row.number, [...(cases.get(row.number) ?? []), row]);
  const status = (row: Record<string, string>) =>
    row.state === 'Active'
      ? row.assigned_to === '?'
        ? 'new'
        : 'in_progress'
      : { 'On Hold': 'on_hold', Resolved: 'resolved', Closed: 'closed' }[row.state]!;
  const priority = (value: string) => ({ '1': 'critical', '2': 'high', '3': 'medium', '4': 'low' })[value] ?? 'medium';
  const figures = new Map<
    string,
    {
      status: string;
      team: string;
      agent: string | null;
      priority: string;
      reopened: number;
      finalResolutionMinutes: number | null;
      firstResolutionMinutes: number | null;
      lastLine: number;
    }
  >();
  for (const [number, list] of cases) {
    list.sort((a, b) => Date.parse(a.updated) - Date.parse(b.updated));
    const opened = Date.parse(list[0].updated);
    let reopened = 0;
    let lastResolution: number | null = null;
    let firstResolution: number | null = null;
    for (let index = 1; index < list.length; index++) {
      const [before, row] = [status(list[index - 1]), status(list[index])];
      const done = (s: string) => s === 'resolved' || s === 'closed';
      const resolvedAgain = done(before) && done(row) && row !== 'closed' && list[index].team !== list[index - 1].team;
      if (done(before) && (!done(row) || resolvedAgain)) reopened++;
      if ((!done(before) && done(row)) || resolvedAgain) {
        lastResolution = Date.parse(list[index].updated);
        firstResolution ??= lastResolution;
      }
    }
    const last = list.at(-1)!;
    const final = status(last);
    figures.set(number, {
      status: final,
      team: last.team,
      agent: final === 'new' ? null : last.assigned_to,
      priority: priority(last.priority),
      reopened,
      finalResolutionMinutes: final === 'resolved' || final === 'closed' ? (lastResolution! - opened) / 60_000 : null,
      firstResolutionMinutes: firstResolution === null ? null : (firstResolution - opened) / 60_000,
      lastLine: records.indexOf(last) + 2,
    });
  }
  return figures;
}

describe('a generated log with every quirk, imported faithfully', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'desk-faithful-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes no entity of "?", drops nothing silently, and has the figures a script reading the CSV computes', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: 1, maxLength: 8 }), async (specs) => {
        tried++;
        const rows = specs.flatMap((spec, index) =>
          rowsOf(`INC${index + 1}`, spec as CaseSpec, Date.parse('2024-03-04T08:00:00Z') + index * 3_600_000),
        );
        const file = writeGenericLog(dir, rows);
        const store = new SqliteEventStore(':memory:');
        const live = openSqlite(':memory:');
        try {
          const result: ImportResult = await importCsv({ store, mapping: mapping(), file });
          const events = await readWholeLog(store);
          await project(live, events, { projections: allProjections().filter((projection) => projection.name !== 'request-search') });

          // No entity of a missing value: no id or name "?" or "x" (nor any name made only of punctuation); an id is
          // judged by the source's value in it, after the source it is bound to.
          const names = events.flatMap((event) => {
            const data = event.data as Record<string, unknown>;
            return ['agentId', 'departmentId', 'customerId', 'requesterId', 'name', 'toDepartmentId']
              .map((key) => data[key])
              .filter((v): v is string => typeof v === 'string')
              .map((v) => v.replace(/^generic:/, ''));
          });
          for (const name of names) expect(name).toMatch(/[\p{L}\p{N}]/u);
          expect(names).not.toContain('x');

          // Every row accounted for.
          expect(result.rowsImported + result.rowsUnchanged + result.rowsRejected).toBe(result.rowsRead);
          const expected = figuresFromCsv(file);
          const summaries = await live.reader.selectFrom('request_summaries').selectAll().execute();
          expect(summaries.length).toBe(expected.size);
          const agentNames = new Map(
            events
              .filter((event) => event.type === 'AgentRegistered')
              .map((event) => [String(event.data.agentId), String(event.data.name)]),
          );
          const teamNames = new Map(
            events
              .filter((event) => event.type === 'DepartmentRegistered')
              .map((event) => [String(event.data.departmentId), String(event.data.name)]),
          );
          for (const summary of summaries) {
            const number = summary.request_id.replace(/^generic:/, '').toUpperCase();
            const csv = expected.get(number)!;
            const desk = {
              status: summary.status,
              team: teamNames.get(summary.department_id),
              agent: summary.assignee_id === null ? null : agentNames.get(summary.assignee_id),
              priority: summary.priority,
            };
            // No silent drop: where the desk differs from the case's last row, the report lists that row's value.
            for (const field of ['status', 'team', 'agent', 'priority'] as const) {
              const listed = result.notApplied.some(
                (change) => change.caseId === number && change.line === csv.lastLine && change.field === field,
              );
              expect({ number, field, desk: desk[field], listed }).toEqual({
                number,
                field,
                desk: listed ? desk[field] : csv[field],
                listed,
              });
            }
            expect({ number, reopened: summary.reopen_count }).toEqual({ number, reopened: csv.reopened });
            expect({ number, final: summary.resolution_elapsed_minutes }).toEqual({ number, final: csv.finalResolutionMinutes });
            // Time to first resolution, from the request's own history (a reopened request keeps its first resolution there).
            const stream = events.filter((event) => event.streamId === `request-${summary.request_id}`);
            const firstResolved = stream.find((event) => event.type === 'RequestResolved');
            const first = firstResolved
              ? (Date.parse(String(firstResolved.data.resolvedAt)) - Date.parse(stream[0].metadata.occurredAt)) / 60_000
              : null;
            expect({ number, first }).toEqual({ number, first: csv.firstResolutionMinutes });
          }
          for (const change of result.notApplied) expect(change.reason).toMatch(/\S/);
        } finally {
          await live.close();
          await store.close();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    process.stdout.write(`faithful import: ${tried} generated logs (seed ${SEED})\n`);
  }, 300_000);
});
