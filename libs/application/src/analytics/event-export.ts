import type { RecordedEvent } from '@desk/event-store';

/** An event as exported (HTTP and CLI alike): one JSON object per line, positions and revisions as decimal strings. */
export function exportLine(event: RecordedEvent): string {
  return (
    JSON.stringify({
      position: String(event.position),
      streamId: event.streamId,
      revision: String(event.revision),
      id: event.id,
      type: event.type,
      occurredAt: event.metadata.occurredAt,
      recordedAt: event.recordedAt.toISOString(),
      data: event.data,
      metadata: event.metadata,
    }) + '\n'
  );
}
