import { decodeEvent, type DeskEvent } from '@desk/domain';
import type { RecordedEvent } from '@desk/event-store';

/**
 * An event of the log as read models see it: decoded by the domain's event
 * catalog (so that `type` narrows `data`, in its current schema version),
 * with where and when the store recorded it.
 */
export type LoggedEvent<Event extends DeskEvent = DeskEvent> = Event extends DeskEvent
  ? Omit<RecordedEvent, 'type' | 'data'> & Event
  : never;

/**
 * The one typed reading of a recorded event, for every projection; an event read once for several projections
 * (log-pages.ts) is decoded once. Projections never change what they are handed, so they can share it.
 */
export function decodeLogged(recorded: RecordedEvent): LoggedEvent {
  const known = decoded.get(recorded);
  if (known) return known;
  const { type, data } = decodeEvent({ type: recorded.type, data: recorded.data, schemaVersion: recorded.metadata.schemaVersion });
  const event = { ...recorded, type, data } as LoggedEvent;
  decoded.set(recorded, event);
  return event;
}

const decoded = new WeakMap<RecordedEvent, LoggedEvent>();
