import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import {
  EXTERNAL_CUSTOMER_KINDS,
  INTERNAL_CUSTOMER_KINDS,
  type Actor,
  type AgentCommand,
  type AgentState,
  type CustomerCommand,
  type DepartmentCommand,
  type RequestCommand,
  type Tier,
} from '@desk/domain';
import type { EventStore } from '@desk/event-store';
import { systemClock } from '../clock';
import { createCommandSide } from '../command-side';
import { customerAggregate, departmentAggregate } from '../commands/aggregates';
import type { CommandEnvelope, Planner, Step } from '../commands/command-handler';
import { AgentWrite, CustomerWrite, DepartmentWrite, RequestWrite, type WriteSide } from '../commands/writes';
import {
  attributeOf,
  lookUp,
  mappedColumns,
  missingValues,
  parseTimestamp,
  statusOf,
  type CustomerKind,
  type ImportMapping,
  type MilestoneTime,
  type TimeColumn,
} from './import-mapping';
import { SourceIds, importedId, sourceId, unassignedAgentId, type SourceKind } from './source-ids';
import { planCase, type CasePlan, type CaseRow, type RejectedRow, type UnappliedChange } from './case-plan';

export interface ImportProgress {
  rowsRead: number;
  casesTotal: number;
  casesDone: number;
  eventsAppended: number;
  rowsRejected: number;
  /** Values of imported rows the desk does not hold afterwards, each listed in the report. */
  changesNotApplied: number;
}

export interface ImportResult extends ImportProgress {
  rowsImported: number;
  /** Rows already imported by an earlier run, left as they were. */
  rowsAlreadyImported: number;
  rowsUnchanged: number;
  rejected: RejectedRow[];
  /** The values not applied, in line order; empty when onNotApplied took them as they came (changesNotApplied counts them). */
  notApplied: UnappliedChange[];
}

export interface ImportOptions {
  store: EventStore;
  mapping: ImportMapping;
  file: string;
  /** Cases imported at once (their appends share fsyncs). */
  concurrency?: number;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * The rows refused, as the import goes: first those refused while reading the log (possibly none), before
   * anything is appended; then those each case refuses, as it is imported.
   */
  onRejected?: (rows: readonly RejectedRow[]) => void;
  /**
   * The values of imported rows the desk does not hold afterwards, with why, as each case is imported; given, the
   * result does not hold them as well (a large log's can outnumber its cases).
   */
  onNotApplied?: (changes: readonly UnappliedChange[]) => void;
}

/** The longest name of a department or a customer the deciders accept. */
const NAME_MAX = 200;

/** The header does not carry what the mapping reads: nothing is imported. */
export class ImportFileError extends Error {}

/** Teams and requesters as they first appear in the log: their names, and the earliest time a row names them. */
interface Registration {
  departments: Map<string, { name: string; at: Date }>;
  customers: Map<string, { name: string; at: Date; profile: RequesterProfile }>;
  /** The agents rows name: their name, their tier where they first appear, and each team they appear in, from when. */
  agents: Map<string, MetAgent>;
}

interface MetAgent {
  name: string;
  tier: Tier;
  departments: Map<string, Date>;
}

/**
 * Imports another desk's history from a CSV event log. Rows are grouped by
 * case and put in time order; each case's events are derived by planCase and
 * appended in one atomic append to its request stream, carrying the source
 * row in their metadata. A second run finds those rows imported and appends
 * nothing; a run killed midway resumes where the streams stand. Departments
 * (teams) and requesters are registered as they first appear, and so are the
 * agents (resources), in the first team a row names them in; each further
 * team they appear in is joined from its first row, so every assignment the
 * log records is to an agent of the request's department.
 */
export async function importCsv(options: ImportOptions): Promise<ImportResult> {
  const { mapping } = options;
  const writes = createCommandSide(options.store, systemClock);
  const { cases, rejected, rowsRead, registration } = await readCases(options);
  const progress: ImportProgress = {
    rowsRead,
    casesTotal: cases.size,
    casesDone: 0,
    eventsAppended: 0,
    rowsRejected: rejected.length,
    changesNotApplied: 0,
  };
  rejected.sort((a, b) => a.line - b.line);
  options.onRejected?.([...rejected]);
  options.onProgress?.(progress);

  await registerAll(writes, mapping, registration, progress);

  const result: ImportResult = { ...progress, rowsImported: 0, rowsAlreadyImported: 0, rowsUnchanged: 0, rejected, notApplied: [] };
  const queue = [...cases.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [, rows] = next;
      const { rejected: refused, notApplied } = await importCase(writes, mapping, rows, result, !options.onNotApplied);
      if (refused.length > 0) options.onRejected?.(refused);
      if (notApplied.length > 0) options.onNotApplied?.(notApplied);
      result.casesDone++;
      progress.casesDone = result.casesDone;
      progress.eventsAppended = result.eventsAppended;
      progress.rowsRejected = result.rejected.length;
      progress.changesNotApplied = result.changesNotApplied;
      options.onProgress?.(progress);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 32 }, worker));
  result.rowsRejected = result.rejected.length;
  result.rejected.sort((a, b) => a.line - b.line);
  result.notApplied.sort((a, b) => a.line - b.line);
  return result;
}

/**
 * One case in one write: planned from where its stream stands (the rows an
 * earlier run imported are skipped), planned again if another writer moves
 * the stream first. Each row's events carry the row in their metadata and
 * ids derived from it.
 */
async function importCase(
  writes: WriteSide,
  mapping: ImportMapping,
  rows: CaseRow[],
  result: ImportResult,
  keepNotApplied: boolean,
): Promise<Pick<CasePlan, 'rejected' | 'notApplied'>> {
  const { caseId, requestId } = rows[0];
  let plan: CasePlan = { accepted: 0, rejected: [], unchanged: 0, notApplied: [] };
  let alreadyImported = 0;
  const stepOf = (row: CaseRow, command: RequestCommand): Step<RequestCommand> => ({
    command,
    now: row.at,
    causationId: `import:${mapping.source}:row:${row.line}`,
    metadata: { importRow: row.line },
    eventIdSeed: `${mapping.source}|${caseId}|${row.line}`,
  });
  const written = await writes.requests.execute(
    new RequestWrite(
      requestId,
      async (current, planning) => {
        if (current.revision !== null && current.createdByImport !== mapping.source) {
          plan = { accepted: 0, rejected: rows.map((row) => notOurs(row, current.createdByImport)), unchanged: 0, notApplied: [] };
          return;
        }
        const importedUpTo = current.importedRows.get(mapping.source) ?? 0;
        const pending = rows.filter((row) => row.line > importedUpTo);
        alreadyImported = rows.length - pending.length;
        plan = await planCase(requestId, pending, planning, stepOf, {
          transferAfterResolution: mapping.department.afterResolution === 'transfer',
          afterClosed: mapping.afterClosed,
          unassignedAgentId: unassignedAgentId(mapping.source),
        });
      },
      {
        commandId: `import:${mapping.source}:${caseId}`,
        correlationId: `import:${mapping.source}:${caseId}`,
        actor: importActor(mapping),
        metadata: { importSource: mapping.source },
      },
    ),
  );
  result.rowsAlreadyImported += alreadyImported;
  result.rowsImported += plan.accepted;
  result.rowsUnchanged += plan.unchanged;
  result.eventsAppended += written.appended;
  result.rejected.push(...plan.rejected);
  result.changesNotApplied += plan.notApplied.length;
  if (keepNotApplied) result.notApplied.push(...plan.notApplied);
  return plan;
}

/**
 * A case whose request stream exists but was not created by this source: a live command or another import made it
 * (possible only in a store written before imported ids were bound to their source), and appending the source's
 * history to it would hand that history to whoever holds it.
 */
function notOurs(row: CaseRow, createdBy: string | null): RejectedRow {
  const maker = createdBy === null ? 'a live command' : `the import of source ${createdBy}`;
  return {
    line: row.line,
    caseId: row.caseId,
    reason: `request ${row.requestId} was created by ${maker}, not by this source's import: nothing is appended to it`,
  };
}

async function registerAll(writes: WriteSide, mapping: ImportMapping, registration: Registration, progress: ImportProgress): Promise<void> {
  const requester = mapping.requester;
  const requesterDepartmentId = requester.departmentId && importedId(mapping.source, requester.departmentId);
  const departmentList = [...registration.departments];
  // The requesters' department exists from the first row that names a requester in it on; without one, it is not needed.
  const first = [...registration.customers.values()]
    .filter(({ profile }) => profile.type === 'internal' && profile.departmentId === requesterDepartmentId)
    .reduce<Date | null>((min, { at }) => (!min || at < min ? at : min), null);
  if (requesterDepartmentId && requester.departmentName && first) {
    departmentList.unshift([requesterDepartmentId, { name: requester.departmentName, at: first }]);
  }
  const envelope = (now: Date): CommandEnvelope => ({
    commandId: `import:${mapping.source}:register`,
    correlationId: `import:${mapping.source}`,
    actor: importActor(mapping),
    now,
    metadata: { importSource: mapping.source },
  });
  for (const [id, { name, at }] of departmentList) {
    const command: DepartmentCommand = { type: 'RegisterDepartment', data: { departmentId: id, name } };
    progress.eventsAppended += (
      await writes.departments.execute(
        new DepartmentWrite(id, unlessRegistered(command, departmentAggregate.streamOf(id), mapping), envelope(at)),
      )
    ).appended;
  }
  for (const [id, { name, at, profile }] of registration.customers) {
    const data =
      profile.type === 'internal'
        ? {
            customerId: id,
            name,
            type: 'internal' as const,
            kind: profile.kind,
            departmentId: profile.departmentId!,
            customerFacing: profile.customerFacing,
          }
        : { customerId: id, name, type: 'external' as const, kind: profile.kind };
    const command: CustomerCommand = { type: 'RegisterCustomer', data };
    progress.eventsAppended += (
      await writes.customers.execute(
        new CustomerWrite(id, unlessRegistered(command, customerAggregate.streamOf(id), mapping), envelope(at)),
      )
    ).appended;
  }
  for (const [id, agent] of registration.agents) {
    const at = new Date(Math.min(...[...agent.departments.values()].map((since) => since.getTime())));
    progress.eventsAppended += (await writes.agents.execute(new AgentWrite(id, agentJoins(id, agent, mapping), envelope(at)))).appended;
  }
}

/**
 * Registers an agent the import meets, in the first team a row names them in, and has them join each further team
 * the log shows them in, one event per team in the order the file first shows it: each assignment the log records is
 * then to an agent of the request's department. The events of a file's first rows are the first events of the whole
 * file's, so importing a longer export of the same desk later (or resuming a cut one) only adds the teams it is new
 * to, and ends with the log one run of the longer file gives. An agent registered already (by the desk, or an earlier
 * run) joins only the teams they do not work in yet.
 */
function agentJoins(id: string, agent: MetAgent, mapping: ImportMapping): Planner<AgentState, AgentCommand> {
  const teams = [...agent.departments.keys()];
  return async ({ state }, planning) => {
    const seed = `${mapping.source}|agent-${id}`;
    let departmentIds = state.status === 'absent' ? [] : [...state.departmentIds];
    for (const team of teams) {
      if (departmentIds.includes(team)) continue;
      if (departmentIds.length === 0 && state.status === 'absent') {
        await planning.decide({
          command: { type: 'RegisterAgent', data: { agentId: id, name: agent.name, departmentIds: [team], tier: agent.tier } },
          eventIdSeed: seed,
        });
      } else {
        // Seeded by the team it joins: the same join from another run of the import is the same event.
        await planning.decide({
          command: { type: 'ChangeAgent', data: { departmentIds: [...departmentIds, team] } },
          eventIdSeed: `${seed}|joins|${team}`,
        });
      }
      departmentIds = [...departmentIds, team];
    }
  };
}

/** Registers a team or a requester the first time an import meets it; one registered already (by an earlier run) is left as it is. */
function unlessRegistered<State, Command>(command: Command, streamId: string, mapping: ImportMapping): Planner<State, Command> {
  return async ({ revision }, planning) => {
    if (revision === null) await planning.decide({ command, eventIdSeed: `${mapping.source}|${streamId}` });
  };
}

function importActor(mapping: ImportMapping): Actor {
  return { id: `import:${mapping.source}`, role: 'system' };
}

/** Reads the file, maps each row, rejects what cannot be mapped, and groups the rest by case in time order. */
async function readCases(
  options: ImportOptions,
): Promise<{ cases: Map<string, CaseRow[]>; rejected: RejectedRow[]; rowsRead: number; registration: Registration }> {
  const { mapping } = options;
  const cases = new Map<string, CaseRow[]>();
  const rejected: RejectedRow[] = [];
  const registration: Registration = { departments: new Map(), customers: new Map(), agents: new Map() };
  let header: string[] = [];
  const parser = createReadStream(options.file).pipe(
    parse({
      bom: true,
      // The header as it is: the mapped columns are checked against it, not against a record (a malformed one may lack some).
      columns: (names: string[]) => (header = names),
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n'],
      // A malformed record (an unclosed quote…) is reported as a rejected row, not the end of the import.
      skip_records_with_error: true,
    }),
  );
  parser.on('skip', (error: Error & { lines?: number }) => {
    rejected.push({ line: error.lines ?? 0, caseId: '', reason: `not a valid CSV record: ${error.message}` });
  });
  let rowsRead = 0;
  let checked = false;
  const isMissing = missingValues(mapping);
  const ids = new SourceIds();
  const interned = new Map<string, string>();
  const intern = (value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const known = interned.get(value);
    if (known !== undefined) return known;
    interned.set(value, value);
    return value;
  };
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    rowsRead++;
    const line = info.lines;
    if (!checked) {
      const missing = mappedColumns(mapping).filter((column) => !header.includes(column));
      if (missing.length > 0)
        throw new ImportFileError(`the file has no column ${missing.map((c) => `"${c}"`).join(', ')} that the mapping reads`);
      checked = true;
    }
    const mapped = mapRow(mapping, isMissing, record, line, intern);
    const refused = 'reason' in mapped ? mapped : claimIds(ids, mapping, mapped);
    if (refused) {
      rejected.push(refused);
      continue;
    }
    const { row } = mapped as MappedRow;
    firstSeen(registration.departments, row.departmentId, (mapped as MappedRow).team, row.at);
    const { profile } = mapped as MappedRow;
    const customer = registration.customers.get(row.requesterId);
    if (!customer) registration.customers.set(row.requesterId, { name: (mapped as MappedRow).requester, at: row.at, profile });
    else {
      if (row.at < customer.at) customer.at = row.at;
      const unregistered = profileChanges(row, customer.profile, profile);
      if (unregistered.length > 0) row.unregistered = unregistered;
    }
    if (profile.departmentName !== undefined) firstSeen(registration.departments, profile.departmentId!, profile.departmentName, row.at);
    metAgent(registration.agents, row, (mapped as MappedRow).agent ?? '', mapping.source);
    const rows = cases.get(row.requestId) ?? [];
    rows.push(row);
    cases.set(row.requestId, rows);
  }
  for (const rows of cases.values()) {
    rows.sort((a, b) => a.at.getTime() - b.at.getTime() || a.line - b.line);
    for (let index = 1; index < rows.length; index++) rows[index].after = rows[index - 1].at;
  }
  return {
    cases,
    rejected,
    rowsRead: rowsRead + rejected.filter((r) => r.caseId === '' && r.reason.startsWith('not a valid CSV')).length,
    registration,
  };
}

function firstSeen(map: Map<string, { name: string; at: Date }>, id: string, name: string, at: Date): void {
  const known = map.get(id);
  if (!known) map.set(id, { name, at });
  else if (at < known.at) known.at = at;
}

/**
 * The agent a row names (or the placeholder assignments without one go to) in the row's team. A name the deciders
 * would refuse is replaced by the agent's id: the row was importable before agents were registered, and stays so.
 */
function metAgent(agents: Map<string, MetAgent>, row: CaseRow, name: string, source: string): void {
  const id = row.agentId ?? unassignedAgentId(source);
  let agent = agents.get(id);
  if (!agent) {
    const usable = row.agentId !== undefined && nameProblem(name) === null;
    agent = {
      name: usable ? name : row.agentId === undefined ? 'Unassigned (imported)' : id,
      tier: row.tier ?? 'L1',
      departments: new Map(),
    };
    agents.set(id, agent);
  }
  const since = agent.departments.get(row.departmentId);
  if (!since || row.at < since) agent.departments.set(row.departmentId, row.at);
}

/** A row mapped, with the source's names of what it registers (the values its ids were folded from). */
interface MappedRow {
  row: CaseRow;
  team: string;
  requester: string;
  agent?: string;
  profile: RequesterProfile;
}

/**
 * Who a requester is, as the first row naming them says: their type, kind, customer-facing role and department
 * (departmentName when it comes from the row's column, to register it by).
 */
interface RequesterProfile {
  type: 'internal' | 'external';
  kind: CustomerKind;
  customerFacing: boolean;
  departmentId?: string;
  departmentName?: string;
}

function mapRow(
  mapping: ImportMapping,
  isMissing: (column: string, value: string) => boolean,
  record: Record<string, string>,
  line: number,
  intern: (value: string | undefined) => string | undefined,
): MappedRow | RejectedRow {
  /** A column's value, trimmed; undefined when the column holds no value (empty, or a missing-value marker). */
  const cell = (column: string): string | undefined => {
    const value = (record[column] ?? '').trim();
    return isMissing(column, value) ? undefined : value;
  };
  const caseId = cell(mapping.caseId) ?? '';
  const reject = (reason: string): RejectedRow => ({ line, caseId, reason });
  if (!caseId) return reject(`no case id in column "${mapping.caseId}"`);
  const idOf = (value: string) => importedId(mapping.source, value);
  const requestId = idOf(caseId);
  if (!requestId) return reject(`case id "${caseId.slice(0, 40)}" gives no id (it has no letter or digit)`);
  const time = cell(mapping.timestamp.column);
  if (time === undefined) return reject(`no time in column "${mapping.timestamp.column}"`);
  const at = parseTimestamp(time, mapping.timestamp);
  if (!at) return reject(`"${time}" in "${mapping.timestamp.column}" is not a time in the format ${mapping.timestamp.format}`);
  const { key: statusKey, target } = statusOf(mapping.status, cell);
  if (target === undefined) {
    return reject(
      mapping.status.columns.every((column) => cell(column) === undefined)
        ? `no status in column ${mapping.status.columns.map((column) => `"${column}"`).join(', ')}`
        : `status "${statusKey}" is not in the mapping`,
    );
  }
  if (target === 'reject') return reject(`status "${statusKey}" is mapped to reject`);
  const team = cell(mapping.department.column);
  if (team === undefined) return reject(`no team in column "${mapping.department.column}"`);
  const teamProblem = nameProblem(team);
  if (teamProblem) return reject(`team "${team.slice(0, 40)}" in "${mapping.department.column}" ${teamProblem}`);
  const priorityValue = cell(mapping.priority.column);
  const priority = priorityValue === undefined ? mapping.priority.default : lookUp(mapping.priority.values, priorityValue);
  if (priorityValue === undefined && !priority) return reject(`no priority in column "${mapping.priority.column}"`);
  if (!priority) return reject(`priority "${priorityValue}" is not in the mapping`);
  let tier: CaseRow['tier'];
  const tierValue = mapping.tier && cell(mapping.tier.column);
  if (mapping.tier && tierValue !== undefined) {
    tier = lookUp(mapping.tier.values, tierValue);
    if (!tier) return reject(`tier "${tierValue}" is not in the mapping`);
  } else tier = mapping.tier?.default;
  const requester = cell(mapping.requester.column);
  if (requester === undefined) return reject(`no requester in column "${mapping.requester.column}"`);
  const requesterProblem = nameProblem(requester);
  if (requesterProblem) return reject(`requester "${requester.slice(0, 40)}" in "${mapping.requester.column}" ${requesterProblem}`);
  const profile = requesterProfile(mapping, cell);
  if (typeof profile === 'string') return reject(profile);
  const agent = mapping.agent && cell(mapping.agent.column);
  const agentId = agent === undefined ? undefined : idOf(agent);
  if (agent !== undefined && !agentId)
    return reject(`agent "${agent.slice(0, 40)}" in "${mapping.agent!.column}" gives no id (it has no letter or digit)`);
  const category = mapping.category && cell(mapping.category.column);
  const times: CaseRow['times'] = {};
  const timeTexts: CaseRow['source'] = {};
  for (const [milestone, column] of Object.entries(mapping.times) as [MilestoneTime, TimeColumn][]) {
    const value = cell(column.column);
    if (value === undefined) continue;
    times[milestone] = parseTimestamp(value, column);
    timeTexts[milestone] = value;
  }
  const subject = mapping.subject.replace(/\{([^}]+)\}/g, (_, column: string) => cell(column) ?? '').slice(0, 200) || caseId;
  return {
    row: {
      line,
      caseId,
      requestId,
      at,
      target,
      departmentId: idOf(team)!,
      tier,
      agentId: agentId ?? undefined,
      priority,
      requesterId: idOf(requester)!,
      category: category ? category.slice(0, 100) : undefined,
      subject,
      // Interned: a log repeats its few teams, agents and statuses on every row it keeps.
      source: {
        status: intern(statusKey),
        team: intern(team),
        agent: intern(agent),
        priority: intern(priorityValue),
        tier: intern(tierValue),
        requester: intern(requester),
        category: intern(category),
        ...timeTexts,
      },
      ...(Object.keys(times).length > 0 ? { times } : {}),
    },
    team,
    requester,
    agent,
    profile,
  };
}

/** The requester's type, kind, role and department from the mapping and the row's columns, or why the row cannot say. */
function requesterProfile(mapping: ImportMapping, cell: (column: string) => string | undefined): RequesterProfile | string {
  const { requester } = mapping;
  const from = (attribute: object | string | boolean | undefined) =>
    typeof attribute === 'object' ? ` in column "${(attribute as { column: string }).column}"` : '';
  const type = attributeOf(requester.type, cell);
  if (!type) return `requester type${from(requester.type)} is ${describeCell(requester.type, cell)}`;
  const kind = attributeOf(requester.kind, cell);
  if (!kind) return `requester kind${from(requester.kind)} is ${describeCell(requester.kind, cell)}`;
  const kinds: readonly string[] = type === 'internal' ? INTERNAL_CUSTOMER_KINDS : EXTERNAL_CUSTOMER_KINDS;
  if (!kinds.includes(kind)) return `requester kind "${kind}" is not a kind of ${type} requester (${kinds.join(', ')})`;
  if (type === 'external') return { type, kind, customerFacing: false };
  const customerFacing = requester.customerFacing === undefined ? false : attributeOf(requester.customerFacing, cell);
  if (customerFacing === undefined)
    return `requester customerFacing${from(requester.customerFacing)} is ${describeCell(requester.customerFacing!, cell)}`;
  const department = requester.department && cell(requester.department.column);
  if (department !== undefined) {
    const problem = nameProblem(department);
    if (problem) return `requester department "${department.slice(0, 40)}" in "${requester.department!.column}" ${problem}`;
    return { type, kind, customerFacing, departmentId: importedId(mapping.source, department)!, departmentName: department };
  }
  if (!requester.departmentId) return `no department for an internal requester in column "${requester.department!.column}"`;
  return { type, kind, customerFacing, departmentId: importedId(mapping.source, requester.departmentId)! };
}

/** What a row says of a requester that differs from their profile as registered (by the first row naming them). */
function profileChanges(row: CaseRow, registered: RequesterProfile, said: RequesterProfile): UnappliedChange[] {
  const attributes = [
    ['type', registered.type, said.type],
    ['kind', registered.kind, said.kind],
    ['customer-facing', registered.customerFacing, said.customerFacing],
    ['department', registered.departmentName ?? registered.departmentId, said.departmentName ?? said.departmentId],
  ] as const;
  return attributes
    .filter(([, was, is]) => was !== is)
    .map(([attribute, was, is]) => ({
      line: row.line,
      caseId: row.caseId,
      field: 'requester' as const,
      value: `${row.source.requester} (${attribute} ${String(is)})`,
      reason: `requester ${row.requesterId} is registered as the first row naming them says (${attribute} ${String(was)})`,
    }));
}

/** What a column-read attribute found: a value its map does not list, or nothing. */
function describeCell(attribute: object | string | boolean, cell: (column: string) => string | undefined): string {
  const value = cell((attribute as { column: string }).column);
  return value === undefined ? 'missing and has no default' : `"${value.slice(0, 40)}", which is not in the mapping`;
}

/**
 * Refuses a row that names a value whose id another value of the same kind had first (CASE-1 after case-1, "IT "
 * and "it"); otherwise the row's values own their ids from now on.
 */
function claimIds(ids: SourceIds, mapping: ImportMapping, mapped: MappedRow): RejectedRow | null {
  const { row } = mapped;
  const claims: [SourceKind, string, string, boolean | undefined][] = [
    ['case', row.caseId, row.requestId, false],
    ['team', mapped.team, row.departmentId, mapping.department.mergeSpellings],
    ['requester', mapped.requester, row.requesterId, mapping.requester.mergeSpellings],
  ];
  const { departmentName, departmentId } = mapped.profile;
  if (departmentName !== undefined) claims.push(['team', departmentName, departmentId!, mapping.department.mergeSpellings]);
  if (mapped.agent !== undefined && row.agentId) claims.push(['agent', mapped.agent, row.agentId, mapping.agent?.mergeSpellings]);
  for (const [kind, value, id, merge] of claims) {
    const conflict = merge ? null : ids.conflict(kind, value, id);
    if (conflict) return { line: row.line, caseId: row.caseId, reason: conflict };
  }
  for (const [kind, value, id] of claims) ids.claim(kind, value, id, row.line);
  return null;
}

/** Why a team's or a requester's name cannot be registered (as the deciders would refuse it), or null. */
function nameProblem(name: string): string | null {
  if (name.length > NAME_MAX) return `is longer than ${NAME_MAX} characters`;
  if (name.includes('\u0000')) return 'contains the NUL character (U+0000)';
  if (!sourceId(name)) return 'gives no id (it has no letter or digit)';
  return null;
}
