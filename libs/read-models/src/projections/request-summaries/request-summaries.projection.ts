import type { CreateTableBuilder, Kysely, Transaction } from 'kysely';
import { isEventOf, type BusinessCalendar } from '@desk/domain';
import type { LoggedEvent } from '../../runner/logged-event';
import type { Projection } from '../../runner/projection';
import type { ReadModelTables, RequestSummaryRow, RequestVersionRow } from '../../store/read-model-tables';
import { rowsByKey, rowsWhereIn, upsertRows } from '../../store/upsert';
import { takeTurn, turnDue } from '../../runner/event-loop-turns';
import { evolveRequestSummary, tagsOf, type CalendarLookup } from './request-summary.evolve';
import { changeRow, createRequestChangesIndexes, createRequestChangesTable } from './request-changes';
import { OPEN_END, Timeline, versionTime, type Version } from '../timeline';

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
  'RequestEscalated',
  'RequestPriorityChanged',
  'FirstResponseGiven',
  'SatisfactionRated',
  'RequestTagged',
  'RequestUntagged',
  'SlaBreached',
] as const;

/**
 * One row per request with everything queues and workloads show, plus the
 * departments and the calendars of their standards (SLA risk times and
 * per-day figures are placed in the request's business calendar).
 */
export class RequestSummariesProjection implements Projection {
  readonly name = 'request-summaries';
  /**
   * 2: paused minutes keep their fractions (events with seconds), business minutes are whole.
   * 3: the breach-due time of each target, for the SLA watch.
   * 4: request_changes, one row per event that changed a summary's fields (GET /changes streams them).
   * 5: the hold (reason, note, since when) and tags of each request, request_tags to filter by tag, and the indexes
   *    of the request list (GET /requests) by last change, per requester, department, assignee and status.
   * 6: request_versions, the history of every summary in business time (as-of queries read it instead of a replay).
   */
  readonly version: number = 6;
  readonly eventTypes: ReadonlySet<string> = new Set<string>([...REQUEST_EVENT_TYPES, 'DepartmentRegistered', 'ServiceStandardPublished']);
  readonly tables = ['departments', 'sla_calendars', 'request_summaries', 'request_versions', 'request_changes', 'request_tags'] as const;

  async createTables(db: Kysely<ReadModelTables>): Promise<void> {
    await db.schema
      .createTable('departments')
      .ifNotExists()
      .addColumn('department_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('sla_calendars')
      .ifNotExists()
      .addColumn('department_id', 'text', (c) => c.notNull())
      .addColumn('standard_version', 'integer', (c) => c.notNull())
      .addColumn('calendar', 'text')
      .addPrimaryKeyConstraint('sla_calendars_pk', ['department_id', 'standard_version'])
      .execute();
    await summaryColumns(
      db.schema
        .createTable('request_summaries')
        .ifNotExists()
        .addColumn('request_id', 'text', (c) => c.primaryKey()),
    ).execute();
    // Versions are written per change, in any business-time order: the key is the request and when its version starts.
    await summaryColumns(
      db.schema
        .createTable('request_versions')
        .ifNotExists()
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'text', (c) => c.notNull())
        .addColumn('valid_to', 'text', (c) => c.notNull()),
    )
      .addPrimaryKeyConstraint('request_versions_pk', ['request_id', 'valid_from'])
      .execute();
    await db.schema
      .createTable('request_tags')
      .ifNotExists()
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('tag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('request_tags_pk', ['request_id', 'tag'])
      .execute();
    await createRequestChangesTable(db);
  }

  async createIndexes(db: Kysely<ReadModelTables>): Promise<void> {
    await db.schema
      .createIndex('request_summaries_queue')
      .ifNotExists()
      .on('request_summaries')
      .columns(['department_id', 'is_open', 'priority_rank'])
      .execute();
    await db.schema
      .createIndex('request_summaries_due')
      .ifNotExists()
      .on('request_summaries')
      .columns(['is_open', 'next_due_at'])
      .execute();
    // The request list: newest change first (or last), over all requests or one requester's, department's, assignee's
    // or status's; each index ends in (last_event_at, request_id), the list's order and keyset, so a page reads its rows
    // and no others. By opening time, over all requests.
    const listIndexes: [string, (keyof RequestSummaryRow)[]][] = [
      ['request_summaries_updated', ['last_event_at', 'request_id']],
      ['request_summaries_requester_updated', ['requester_id', 'last_event_at', 'request_id']],
      ['request_summaries_department_updated', ['department_id', 'last_event_at', 'request_id']],
      ['request_summaries_assignee_updated', ['assignee_id', 'last_event_at', 'request_id']],
      ['request_summaries_status_updated', ['status', 'last_event_at', 'request_id']],
      ['request_summaries_opened', ['opened_at', 'request_id']],
    ];
    for (const [name, columns] of listIndexes) {
      await db.schema.createIndex(name).ifNotExists().on('request_summaries').columns(columns).execute();
    }
    // The versions valid at T are those with valid_from <= T < valid_to. Each index leads with what an as-of query
    // names (a department's open requests, a requester's, a change's time), then valid_to: the range read is the
    // versions that end after T (those valid at T, and those that started since), checked against valid_from inside
    // the index, so only the rows valid at T are fetched. The range grows with what changed after T, not before it.
    const versionIndexes: [string, (keyof RequestVersionRow)[]][] = [
      ['request_versions_queue', ['department_id', 'is_open', 'valid_to', 'valid_from']],
      ['request_versions_requester', ['requester_id', 'valid_to', 'valid_from']],
      ['request_versions_open', ['is_open', 'valid_to', 'valid_from']],
      ['request_versions_updated', ['last_event_at', 'request_id']],
    ];
    for (const [name, columns] of versionIndexes) {
      await db.schema.createIndex(name).ifNotExists().on('request_versions').columns(columns).execute();
    }
    await db.schema.createIndex('request_tags_tag').ifNotExists().on('request_tags').columns(['tag', 'request_id']).execute();
    // The SLA watch's two comparisons with now.
    await db.schema
      .createIndex('request_summaries_fr_breach')
      .ifNotExists()
      .on('request_summaries')
      .column('first_response_breach_due_at')
      .execute();
    await db.schema
      .createIndex('request_summaries_res_breach')
      .ifNotExists()
      .on('request_summaries')
      .column('resolution_breach_due_at')
      .execute();
    await createRequestChangesIndexes(db);
  }

  async apply(trx: Transaction<ReadModelTables>, events: LoggedEvent[]): Promise<void> {
    const calendars = new Map(
      (await trx.selectFrom('sla_calendars').selectAll().execute()).map((row) => [
        calendarKey(row.department_id, row.standard_version),
        row.calendar === null ? null : (JSON.parse(row.calendar) as BusinessCalendar),
      ]),
    );
    const calendarOf: CalendarLookup = (departmentId, version) => calendars.get(calendarKey(departmentId, version)) ?? null;

    const ids = new Set<string>();
    for (const event of events) {
      if (!isEventOf('request', event)) continue;
      ids.add(event.data.requestId);
      if (event.type === 'RequestOpened' && typeof event.data.followUpOf === 'string') ids.add(event.data.followUpOf);
    }
    const rows = new Map((await rowsByKey(trx, 'request_summaries', 'request_id', [...ids])).map((row) => [row.request_id, row]));
    const timelines = await loadTimelines(trx, events, rows);
    const loadedTags = new Map([...rows.values()].map((row) => [row.request_id, row.tags]));
    const changed = new Set<string>();
    const departments: ReadModelTables['departments'][] = [];
    const newCalendars: ReadModelTables['sla_calendars'][] = [];
    const changes: ReadModelTables['request_changes'][] = [];

    for (const event of events) {
      if (turnDue()) await takeTurn();
      if (event.type === 'DepartmentRegistered') {
        departments.push({ department_id: event.data.departmentId, name: event.data.name, registered_at: event.metadata.occurredAt });
        continue;
      }
      if (event.type === 'ServiceStandardPublished') {
        const { departmentId, version, calendar } = event.data;
        calendars.set(calendarKey(departmentId, version), calendar);
        newCalendars.push({ department_id: departmentId, standard_version: version, calendar: calendar ? JSON.stringify(calendar) : null });
        continue;
      }
      if (!isEventOf('request', event)) continue;
      const requestEvent = event;
      const id = requestEvent.data.requestId;
      const before = rows.get(id);
      const source = { position: event.position, type: event.type, occurredAt: event.metadata.occurredAt };
      let seq = 0;
      const facts = { revision: Number(event.revision), occurredAt: event.metadata.occurredAt };
      const next = evolveRequestSummary(before, requestEvent, facts, calendarOf);
      const at = versionTime(event.metadata.occurredAt);
      // In business order the version it changes is the current one, the live row itself (loadTimelines): evolved once.
      timelineOf(timelines, id).apply(at, (row) => (row === before ? next : evolveRequestSummary(row, requestEvent, facts, calendarOf)));
      if (next && next !== before) {
        rows.set(id, next);
        changed.add(id);
        const change = changeRow(source, seq, before, next);
        if (change) {
          changes.push(change);
          seq++;
        }
      }
      if (requestEvent.type === 'RequestOpened' && requestEvent.data.followUpOf) {
        timelineOf(timelines, requestEvent.data.followUpOf).apply(at, (row) => (row ? followedUpBy(row, id) : row));
        const original = rows.get(requestEvent.data.followUpOf);
        if (original && original.follow_up_request_id === null) {
          const followedUp = followedUpBy(original, id);
          rows.set(original.request_id, followedUp);
          changed.add(original.request_id);
          const change = changeRow(source, seq, original, followedUp);
          if (change) changes.push(change);
        }
      }
    }
    await upsertRows(trx, 'departments', ['department_id'], departments);
    await upsertRows(trx, 'sla_calendars', ['department_id', 'standard_version'], newCalendars);
    await upsertRows(
      trx,
      'request_summaries',
      ['request_id'],
      [...changed].map((id) => rows.get(id)!),
    );
    await replaceTags(
      trx,
      [...changed].map((id) => rows.get(id)!).filter((row) => row.tags !== (loadedTags.get(row.request_id) ?? '[]')),
    );
    await writeVersions(trx, timelines);
    // A change is recorded only when the summary moved, so an event applied twice records none (and its key is its own).
    await upsertRows(trx, 'request_changes', ['position', 'seq'], changes);
  }
}

/** The columns of a summary, in a table of summaries (request_summaries) or of their versions (request_versions). */
function summaryColumns<Builder extends ColumnAdder>(table: Builder): Builder {
  const integers: (keyof RequestSummaryRow)[] = [
    'revision',
    'exposed_to_external',
    'is_open',
    'priority_rank',
    'first_response_breached',
    'resolution_breached',
    'reopen_count',
    'transfer_count',
  ];
  const nullableIntegers: (keyof RequestSummaryRow)[] = [
    'sla_standard_version',
    'first_response_minutes',
    'resolution_minutes',
    'first_response_within_target',
    'first_response_elapsed_minutes',
    'first_response_business_minutes',
    'resolution_elapsed_minutes',
    'resolution_business_minutes',
    'resolution_within_target',
    'satisfaction_score',
  ];
  const texts: (keyof RequestSummaryRow)[] = [
    'department_id',
    'requester_id',
    'audience',
    'requester_kind',
    'subject',
    'channel',
    'status',
    'priority',
    'tier',
    'opened_at',
    'opened_day',
    'last_event_at',
    'tags',
  ];
  const nullableTexts: (keyof RequestSummaryRow)[] = [
    'category',
    'assignee_id',
    'hold_reason',
    'hold_note',
    'held_at',
    'sla_department_id',
    'first_response_due_at',
    'resolution_due_at',
    'first_response_at_risk_at',
    'resolution_at_risk_at',
    'clock_stopped_since',
    'first_response_breach_due_at',
    'resolution_breach_due_at',
    'first_responded_at',
    'resolved_at',
    'resolved_day',
    'closed_at',
    'cancelled_at',
    'next_due_at',
    'satisfaction_comment',
    'rated_at',
    'follow_up_of',
    'follow_up_request_id',
  ];
  let builder: ColumnAdder = table;
  for (const column of integers) builder = builder.addColumn(column, 'integer', (c) => c.notNull());
  // Business minutes paused can have fractions (events with seconds): due and risk times move by exactly that.
  builder = builder.addColumn('paused_minutes', 'double precision', (c) => c.notNull());
  for (const column of nullableIntegers) builder = builder.addColumn(column, 'integer');
  for (const column of texts) builder = builder.addColumn(column, 'text', (c) => c.notNull());
  for (const column of nullableTexts) builder = builder.addColumn(column, 'text');
  return builder as Builder;
}

type ColumnAdder = CreateTableBuilder<string, string>;

/** The request a follow-up follows up names its first follow-up. */
function followedUpBy(row: RequestSummaryRow, followUpId: string): RequestSummaryRow {
  return row.follow_up_request_id === null ? { ...row, follow_up_request_id: followUpId } : row;
}

/** Each request's summary in business time (timeline.ts). */
type SummaryTimeline = Timeline<RequestSummaryRow>;

/**
 * The versions the batch's events can change: of each request they touch (a follow-up also touches the request it
 * follows up), those valid from the earliest business time among the batch's events on. In business order that is
 * the current version of each; an older event brings the versions after it. A current version alike in every column
 * to the request's live row is that row itself, so that an event evolves the two as one.
 */
async function loadTimelines(
  trx: Transaction<ReadModelTables>,
  events: readonly LoggedEvent[],
  live: ReadonlyMap<string, RequestSummaryRow>,
): Promise<Map<string, SummaryTimeline>> {
  const ids = new Set<string>();
  let earliest: string | undefined;
  for (const event of events) {
    if (!isEventOf('request', event)) continue;
    ids.add(event.data.requestId);
    if (event.type === 'RequestOpened' && typeof event.data.followUpOf === 'string') ids.add(event.data.followUpOf);
    const at = versionTime(event.metadata.occurredAt);
    if (earliest === undefined || at < earliest) earliest = at;
  }
  const timelines = new Map<string, SummaryTimeline>();
  if (earliest === undefined) return timelines;
  const loaded = await rowsWhereIn(trx, 'request_versions', 'request_id', [...ids], { column: 'valid_to', value: earliest });
  const byRequest = new Map<string, Version<RequestSummaryRow>[]>();
  for (const { valid_from, valid_to, ...summary } of loaded) {
    const row = live.get(summary.request_id);
    const state = valid_to === OPEN_END && row !== undefined && sameSummary(summary, row) ? row : summary;
    byRequest.set(summary.request_id, [...(byRequest.get(summary.request_id) ?? []), { from: valid_from, to: valid_to, state }]);
  }
  for (const id of ids) timelines.set(id, new Timeline(byRequest.get(id) ?? [], sameSummary));
  return timelines;
}

function timelineOf(timelines: Map<string, SummaryTimeline>, id: string): SummaryTimeline {
  const timeline = timelines.get(id);
  if (!timeline) throw new Error(`request ${id}: its versions were not loaded for the batch`);
  return timeline;
}

/** The versions the batch wrote or changed, and those merged away. */
async function writeVersions(trx: Transaction<ReadModelTables>, timelines: ReadonlyMap<string, SummaryTimeline>): Promise<void> {
  const written: RequestVersionRow[] = [];
  for (const [requestId, timeline] of timelines) {
    const { written: versions, removed } = timeline.changes(sameSummary);
    for (const { from, to, state } of versions) written.push({ ...state, valid_from: from, valid_to: to });
    for (const from of removed) {
      await trx.deleteFrom('request_versions').where('request_id', '=', requestId).where('valid_from', '=', from).execute();
    }
  }
  await upsertRows(trx, 'request_versions', ['request_id', 'valid_from'], written);
}

/** Two summaries alike in every column: neighbouring versions that are one. */
function sameSummary(a: RequestSummaryRow, b: RequestSummaryRow): boolean {
  if (a === b) return true;
  for (const key of Object.keys(a) as (keyof RequestSummaryRow)[]) if (a[key] !== b[key]) return false;
  return true;
}

/** request_tags of these rows, replaced by their tags as the rows now list them. */
async function replaceTags(trx: Transaction<ReadModelTables>, rows: readonly RequestSummaryRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += TAG_CHUNK) {
    const chunk = rows.slice(start, start + TAG_CHUNK);
    await trx
      .deleteFrom('request_tags')
      .where(
        'request_id',
        'in',
        chunk.map((row) => row.request_id),
      )
      .execute();
    const tags = chunk.flatMap((row) => tagsOf(row).map((tag) => ({ request_id: row.request_id, tag })));
    for (let from = 0; from < tags.length; from += TAG_CHUNK)
      await trx
        .insertInto('request_tags')
        .values(tags.slice(from, from + TAG_CHUNK))
        .execute();
  }
}

/** Rows per statement of request_tags: well under SQLite's parameter limit. */
const TAG_CHUNK = 400;

function calendarKey(departmentId: string, version: number): string {
  return `${version}:${departmentId}`;
}
