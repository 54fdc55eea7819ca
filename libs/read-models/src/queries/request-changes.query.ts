import { sql } from 'kysely';
import type { RequestEvent } from '@desk/domain';
import type { LogPosition } from '@desk/event-store';
import { changePosition, type FieldChange } from '../projections/request-summaries/request-changes';
import type { ReadModelDb } from '../store/read-model-store';
import type { RequestChangeRow } from '../store/read-model-tables';
import { isRequesterField, REQUESTER_EVENT_FIELDS } from './requester-view';

export type { ChangedValue, FieldChange } from '../projections/request-summaries/request-changes';

/**
 * Where a reader of request_changes stands: after the change at (position, seq). A client holds it as the SSE id of
 * the last change it received: the log position alone ("1234") for the first change an event made, "1234:1" for the
 * next (a follow-up also changes the request it follows up), so a resume after either misses nothing and repeats nothing.
 */
export interface ChangeCursor {
  position: LogPosition;
  seq: number;
}

/** Before every change. */
export const CHANGES_START: ChangeCursor = { position: -1n, seq: 0 };

const CHANGE_ID = /^(\d{1,20})(?::(\d{1,3}))?$/;

/** The id of a change, as GET /changes sends it and takes it back (Last-Event-ID, lastEventId). */
export function changeId(row: Pick<RequestChangeRow, 'position' | 'seq'>): string {
  const position = BigInt(row.position).toString();
  return row.seq === 0 ? position : `${position}:${row.seq}`;
}

/** The cursor an id names; undefined when it is not the id of a change. */
export function parseChangeId(id: string): ChangeCursor | undefined {
  const match = CHANGE_ID.exec(id);
  if (!match) return undefined;
  return { position: BigInt(match[1]), seq: match[2] === undefined ? 0 : Number(match[2]) };
}

export function cursorOf(row: Pick<RequestChangeRow, 'position' | 'seq'>): ChangeCursor {
  return { position: BigInt(row.position), seq: row.seq };
}

/** Whether the change at `row` comes after `cursor`. */
export function isAfter(row: Pick<RequestChangeRow, 'position' | 'seq'>, cursor: ChangeCursor): boolean {
  const position = BigInt(row.position);
  return position > cursor.position || (position === cursor.position && row.seq > cursor.seq);
}

/**
 * Which changes a reader follows; every given condition must hold. A department matches the request's department
 * after the change or the one the change moved it from (a console watching IT sees a request leave it); an
 * assignee likewise (an agent following their work sees it taken from them).
 */
export interface ChangeFilter {
  departmentIds?: readonly string[];
  requestId?: string;
  requesterId?: string;
  assigneeId?: string;
}

/**
 * The changes after `cursor` that `filter` lets through, oldest first, at most `limit`: a range scan of the
 * primary key (or of the request and requester indexes, when filtered by them).
 */
export async function changesAfter(
  db: ReadModelDb,
  cursor: ChangeCursor,
  filter: ChangeFilter,
  limit: number,
): Promise<RequestChangeRow[]> {
  let query = db.selectFrom('request_changes').selectAll();
  if (cursor.position >= 0n) {
    const position = changePosition(cursor.position);
    query = query.where((eb) =>
      eb.or([eb('position', '>', position), eb.and([eb('position', '=', position), eb('seq', '>', cursor.seq)])]),
    );
  }
  if (filter.requestId !== undefined) query = query.where('request_id', '=', filter.requestId);
  if (filter.requesterId !== undefined) query = query.where('requester_id', '=', filter.requesterId);
  if (filter.assigneeId !== undefined) {
    const assignee = filter.assigneeId;
    query = query.where((eb) => eb.or([eb('assignee_id', '=', assignee), eb('previous_assignee_id', '=', assignee)]));
  }
  if (filter.departmentIds !== undefined) {
    const departments = [...filter.departmentIds];
    query = query.where((eb) => eb.or([eb('department_id', 'in', departments), eb('previous_department_id', 'in', departments)]));
  }
  return query.orderBy('position').orderBy('seq').limit(limit).execute();
}

/** The same conditions as changesAfter's, on a row in hand: the live changes one read serves to every stream. */
export function matchesChange(row: RequestChangeRow, filter: ChangeFilter): boolean {
  if (filter.requestId !== undefined && row.request_id !== filter.requestId) return false;
  if (filter.requesterId !== undefined && row.requester_id !== filter.requesterId) return false;
  if (filter.assigneeId !== undefined && row.assignee_id !== filter.assigneeId && row.previous_assignee_id !== filter.assigneeId)
    return false;
  if (
    filter.departmentIds !== undefined &&
    !filter.departmentIds.includes(row.department_id) &&
    (row.previous_department_id === null || !filter.departmentIds.includes(row.previous_department_id))
  )
    return false;
  return true;
}

/** The last change recorded (its cursor), or CHANGES_START when there is none. */
export async function lastChange(db: ReadModelDb): Promise<ChangeCursor> {
  const row = await db
    .selectFrom('request_changes')
    .select(['position', 'seq'])
    .orderBy(sql`position desc`)
    .orderBy(sql`seq desc`)
    .limit(1)
    .executeTakeFirst();
  return row ? cursorOf(row) : CHANGES_START;
}

/** One change of a request's summary, as GET /changes sends it (the data of an SSE event whose id is changeId). */
export interface RequestChange {
  /** The log position of the event that made the change (a decimal string, as commands answer positions). */
  position: string;
  requestId: string;
  /** The request's stream revision after the change (what If-Match takes); null for requesters. */
  revision: string | null;
  /** The request's department and status after the change. */
  departmentId: string;
  status: string;
  /** The event that made the change; null for a requester when their history does not show that event. */
  eventType: string | null;
  /** Business time of the event. */
  occurredAt: string;
  /** The fields that changed, by the names list and queue rows give them, from the old value to the new. */
  changes: Record<string, FieldChange>;
}

export type ChangeViewer = 'staff' | 'requester';

/**
 * A change as its viewer may see it. A requester sees only the fields of the requester view
 * (libs/read-models/src/queries/requester-view.ts), no revision (it moves with internal comments), and the event's
 * type only when their history shows that event; a change of hidden fields only is not theirs to see (null).
 */
export function requestChangeView(row: RequestChangeRow, viewer: ChangeViewer): RequestChange | null {
  const all = JSON.parse(row.changes) as Record<string, FieldChange>;
  const base = {
    position: BigInt(row.position).toString(),
    requestId: row.request_id,
    departmentId: row.department_id,
    status: row.status,
  };
  if (viewer === 'staff')
    return { ...base, revision: String(row.revision), eventType: row.event_type, occurredAt: row.occurred_at, changes: all };
  const changes = Object.fromEntries(Object.entries(all).filter(([field]) => isRequesterField(field)));
  if (Object.keys(changes).length === 0) return null;
  const shown = (REQUESTER_EVENT_FIELDS as Record<string, unknown>)[row.event_type as RequestEvent['type']];
  return { ...base, revision: null, eventType: shown ? row.event_type : null, occurredAt: row.occurred_at, changes };
}
