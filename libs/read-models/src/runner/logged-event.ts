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

/** The one typed reading of a recorded event, for every projection. */
export function decodeLogged(recorded: RecordedEvent): LoggedEvent {
  const { type, data } = decodeEvent({ type: recorded.type, data: recorded.data, schemaVersion: recorded.metadata.schemaVersion });
  return { ...recorded, type, data } as LoggedEvent;
}
