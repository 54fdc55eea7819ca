import type { Kysely } from 'kysely';
import type { LogPosition } from '@desk/event-store';
import type { ReadModelTables, RequestChangeRow, RequestSummaryRow } from '../../store/read-model-tables';

/**
 * The summary columns a change reports, by the name the API gives them (as
 * queue and list rows name them, libs/read-models/src/queries/request-row.ts),
 * whether the column holds a 0/1 flag shown as a boolean, and whether it
 * holds a JSON list shown as a list (tags). A column not
 * named here (ranks, days, SLA measurements, risk and breach-due times,
 * revision, last_event_at, which is the change's occurredAt) is the read
 * model's own bookkeeping: a change of it alone is not a change a client sees.
 * A column added to request_summaries that clients should follow is added
 * here too (and the projection's version bumped).
 */
export const CHANGE_FIELDS = {
  department_id: { field: 'departmentId' },
  requester_id: { field: 'requesterId' },
  audience: { field: 'audience' },
  requester_kind: { field: 'requesterKind' },
  exposed_to_external: { field: 'exposedToExternal', flag: true },
  subject: { field: 'subject' },
  category: { field: 'category' },
  channel: { field: 'channel' },
  status: { field: 'status' },
  priority: { field: 'priority' },
  tier: { field: 'tier' },
  assignee_id: { field: 'assigneeId' },
  // The hold: why and since when are the requester's to see; the note is staff's (requester-view.ts leaves it out).
  hold_reason: { field: 'holdReason' },
  hold_note: { field: 'holdNote' },
  held_at: { field: 'heldAt' },
  tags: { field: 'tags', list: true },
  opened_at: { field: 'openedAt' },
  first_response_due_at: { field: 'firstResponseDueAt' },
  resolution_due_at: { field: 'resolutionDueAt' },
  first_responded_at: { field: 'firstRespondedAt' },
  first_response_breached: { field: 'firstResponseBreached', flag: true },
  resolution_breached: { field: 'resolutionBreached', flag: true },
  resolved_at: { field: 'resolvedAt' },
  closed_at: { field: 'closedAt' },
  cancelled_at: { field: 'cancelledAt' },
  satisfaction_score: { field: 'satisfactionScore' },
  satisfaction_comment: { field: 'satisfactionComment' },
  follow_up_of: { field: 'followUpOf' },
  follow_up_request_id: { field: 'followUpRequestId' },
  reopen_count: { field: 'reopenCount' },
  transfer_count: { field: 'transferCount' },
} as const satisfies { readonly [Column in keyof RequestSummaryRow]?: { field: string; flag?: true; list?: true } };

export type ChangedValue = string | number | boolean | string[] | null;

/** A field's value before and after the change (null before a request was opened). */
export interface FieldChange {
  from: ChangedValue;
  to: ChangedValue;
}

/** What one event changed of a summary, by API field name; empty when it changed no field a client sees. */
export type SummaryChanges = Record<string, FieldChange>;

type ChangeColumn = keyof typeof CHANGE_FIELDS;

function stored(column: ChangeColumn, row: RequestSummaryRow | undefined): string | number | null {
  return row ? (row[column] as string | number | null) : null;
}

function shown(column: ChangeColumn, value: string | number | null): ChangedValue {
  if (value === null) return null;
  const how = CHANGE_FIELDS[column] as { field: string; flag?: true; list?: true };
  if (how.flag) return value === 1;
  if (how.list) return JSON.parse(value as string) as string[];
  return value;
}

/**
 * Pure: the fields of CHANGE_FIELDS that differ between the summary before an event and after it. Columns are
 * compared as stored (a list as its JSON text, which the projection writes in one form: the tags in the order added).
 */
export function summaryChanges(before: RequestSummaryRow | undefined, after: RequestSummaryRow): SummaryChanges {
  const changes: SummaryChanges = {};
  for (const column of Object.keys(CHANGE_FIELDS) as ChangeColumn[]) {
    const from = stored(column, before);
    const to = stored(column, after);
    if (from !== to) changes[CHANGE_FIELDS[column].field] = { from: shown(column, from), to: shown(column, to) };
  }
  return changes;
}

/** Digits of the largest position (an unsigned 64-bit log offset): positions padded to it sort as text in number order. */
const POSITION_DIGITS = 20;

/** A log position as request_changes stores it: zero-padded, so `order by position` and `position > ?` work as text on both stores. */
export function changePosition(position: LogPosition): string {
  return position.toString().padStart(POSITION_DIGITS, '0');
}

/** What the projection knows of the event behind a change. */
export interface ChangeSource {
  position: LogPosition;
  type: string;
  occurredAt: string;
}

/**
 * The request_changes row of one change to one summary, or null when the event changed no field a client sees.
 * `seq` orders the changes one event made (0 for the request of the event, 1 for the request a follow-up names).
 */
export function changeRow(
  source: ChangeSource,
  seq: number,
  before: RequestSummaryRow | undefined,
  after: RequestSummaryRow,
): RequestChangeRow | null {
  const changes = summaryChanges(before, after);
  if (Object.keys(changes).length === 0) return null;
  const movedFrom = (column: 'department_id' | 'assignee_id') =>
    before !== undefined && before[column] !== after[column] ? before[column] : null;
  return {
    position: changePosition(source.position),
    seq,
    request_id: after.request_id,
    revision: after.revision,
    department_id: after.department_id,
    previous_department_id: movedFrom('department_id'),
    requester_id: after.requester_id,
    assignee_id: after.assignee_id,
    previous_assignee_id: movedFrom('assignee_id'),
    status: after.status,
    event_type: source.type,
    occurred_at: source.occurredAt,
    changes: JSON.stringify(changes),
  };
}

/**
 * request_changes: one row per event that changed a summary, kept for good (the history of every summary).
 * Its key is (position, seq): `position > ? order by position, seq` is a range scan of the primary key. The
 * request and requester indexes serve the streams filtered by them, which would otherwise scan the whole history.
 */
export async function createRequestChangesTable(db: Kysely<ReadModelTables>): Promise<void> {
  await db.schema
    .createTable('request_changes')
    .ifNotExists()
    .addColumn('position', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('previous_department_id', 'text')
    .addColumn('requester_id', 'text', (c) => c.notNull())
    .addColumn('assignee_id', 'text')
    .addColumn('previous_assignee_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('request_changes_pk', ['position', 'seq'])
    .execute();
}

/** request_changes' secondary indexes. */
export async function createRequestChangesIndexes(db: Kysely<ReadModelTables>): Promise<void> {
  await db.schema.createIndex('request_changes_request').ifNotExists().on('request_changes').columns(['request_id', 'position']).execute();
  await db.schema
    .createIndex('request_changes_requester')
    .ifNotExists()
    .on('request_changes')
    .columns(['requester_id', 'position'])
    .execute();
}
