import type { Kysely, Transaction } from 'kysely';
import { isEventOf, type BusinessCalendar } from '@desk/domain';
import type { LoggedEvent } from '../../runner/logged-event';
import type { Projection } from '../../runner/projection';
import type { ReadModelTables, RequestSummaryRow, WorkloadFactRow } from '../../store/read-model-tables';
import { rowsByKey, upsertRows } from '../../store/upsert';
import { takeTurn, turnDue } from '../../runner/event-loop-turns';
import { evolveRequestSummary, type CalendarLookup } from '../request-summaries/request-summary.evolve';
import { changePosition } from '../request-summaries/request-changes';
import { workloadFacts } from './workload-facts.evolve';

/** The request events that move a figure, or the state a later figure is computed from (holds, transfers, priorities). */
const REQUEST_EVENT_TYPES = [
  'RequestOpened',
  'RequestAssigned',
  'RequestWorkStarted',
  'RequestPutOnHold',
  'RequestResumed',
  'RequestResolved',
  'RequestClosed',
  'RequestCancelled',
  'RequestReopened',
  'RequestTransferred',
  'RequestPriorityChanged',
  'FirstResponseGiven',
  'SatisfactionRated',
  'SlaBreached',
] as const;

/**
 * The workload figures' facts, kept as they happen (workload-facts.evolve.ts
 * says what each counts), so a workload reads the facts of its day range
 * instead of every request the department ever had. Each request's summary is
 * kept here too, evolved by the same function as request-summaries', so the
 * minutes and SLA outcomes are the domain clock's and this read model needs
 * no other one's tables.
 */
export class WorkloadFactsProjection implements Projection {
  readonly name = 'workload-facts';
  readonly version: number = 1;
  readonly eventTypes: ReadonlySet<string> = new Set<string>([...REQUEST_EVENT_TYPES, 'ServiceStandardPublished']);
  readonly tables = ['workload_facts', 'workload_requests', 'workload_calendars'] as const;

  async createTables(db: Kysely<ReadModelTables>): Promise<void> {
    await db.schema
      .createTable('workload_facts')
      .ifNotExists()
      .addColumn('position', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('department_id', 'text', (c) => c.notNull())
      .addColumn('audience', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text')
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('follow_up', 'integer', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('outcome', 'text')
      .addColumn('business_minutes', 'integer')
      .addColumn('elapsed_minutes', 'integer')
      .addColumn('score', 'integer')
      .addPrimaryKeyConstraint('workload_facts_pk', ['position', 'seq'])
      .execute();
    await db.schema
      .createTable('workload_requests')
      .ifNotExists()
      .addColumn('request_id', 'text', (c) => c.primaryKey())
      .addColumn('summary', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('workload_calendars')
      .ifNotExists()
      .addColumn('department_id', 'text', (c) => c.notNull())
      .addColumn('standard_version', 'integer', (c) => c.notNull())
      .addColumn('calendar', 'text')
      .addPrimaryKeyConstraint('workload_calendars_pk', ['department_id', 'standard_version'])
      .execute();
  }

  async createIndexes(db: Kysely<ReadModelTables>): Promise<void> {
    // A department's days, and the desk's: a workload reads the range of days it shows, by kind.
    await db.schema
      .createIndex('workload_facts_department_day')
      .ifNotExists()
      .on('workload_facts')
      .columns(['department_id', 'day', 'kind'])
      .execute();
    await db.schema.createIndex('workload_facts_day').ifNotExists().on('workload_facts').columns(['day', 'kind']).execute();
    // Whether a poor rating was followed up: the facts of the request rated.
    await db.schema.createIndex('workload_facts_request').ifNotExists().on('workload_facts').columns(['request_id', 'kind']).execute();
  }

  async apply(trx: Transaction<ReadModelTables>, events: LoggedEvent[]): Promise<void> {
    const calendars = new Map(
      (await trx.selectFrom('workload_calendars').selectAll().execute()).map((row) => [
        calendarKey(row.department_id, row.standard_version),
        row.calendar === null ? null : (JSON.parse(row.calendar) as BusinessCalendar),
      ]),
    );
    const calendarOf: CalendarLookup = (departmentId, version) => calendars.get(calendarKey(departmentId, version)) ?? null;
    const ids = new Set<string>();
    for (const event of events) if (isEventOf('request', event)) ids.add(event.data.requestId);
    const summaries = new Map(
      (await rowsByKey(trx, 'workload_requests', 'request_id', [...ids])).map((row) => [
        row.request_id,
        JSON.parse(row.summary) as RequestSummaryRow,
      ]),
    );
    const changed = new Set<string>();
    const newCalendars: ReadModelTables['workload_calendars'][] = [];
    const facts: WorkloadFactRow[] = [];

    for (const event of events) {
      if (turnDue()) await takeTurn();
      if (event.type === 'ServiceStandardPublished') {
        const { departmentId, version, calendar } = event.data;
        calendars.set(calendarKey(departmentId, version), calendar);
        newCalendars.push({ department_id: departmentId, standard_version: version, calendar: calendar ? JSON.stringify(calendar) : null });
        continue;
      }
      if (!isEventOf('request', event)) continue;
      const id = event.data.requestId;
      const before = summaries.get(id);
      const occurredAt = new Date(event.metadata.occurredAt).toISOString();
      const after = evolveRequestSummary(before, event, { revision: Number(event.revision), occurredAt }, calendarOf);
      if (!after || after === before) continue;
      const kept = withoutTexts(after);
      summaries.set(id, kept);
      changed.add(id);
      const position = changePosition(event.position);
      workloadFacts(before, kept, event, occurredAt, calendarOf).forEach((fact, seq) => facts.push({ position, seq, ...fact }));
    }
    await upsertRows(trx, 'workload_calendars', ['department_id', 'standard_version'], newCalendars);
    await upsertRows(
      trx,
      'workload_requests',
      ['request_id'],
      [...changed].map((id) => ({ request_id: id, summary: JSON.stringify(summaries.get(id)) })),
    );
    // Keyed by the event's position: an event applied twice writes the same rows again (and the revision check none).
    await upsertRows(trx, 'workload_facts', ['position', 'seq'], facts);
  }
}

/** The summary without the texts no figure reads (subject, notes, comment, tags), which would only grow the stored state. */
function withoutTexts(row: RequestSummaryRow): RequestSummaryRow {
  return { ...row, subject: '', hold_note: null, satisfaction_comment: null, tags: '[]' };
}

function calendarKey(departmentId: string, version: number): string {
  return `${version}:${departmentId}`;
}
