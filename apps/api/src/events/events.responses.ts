import { Answer } from '../http/answer-fields';

/** One line of GET /events (application/x-ndjson): an event as exportLine writes it. */
export class ExportedEventResponse {
  @Answer.position({ description: 'Global log position; resume with after=<the last one received>' })
  position: string;

  @Answer.string({ example: 'request-req-42' })
  streamId: string;

  @Answer.position({ example: '0' })
  revision: string;

  @Answer.string({ example: '0d9f6c0e-2b1f-4c11-9d6f-5c1f8e2a7b3d' })
  id: string;

  @Answer.string({ example: 'RequestOpened' })
  type: string;

  @Answer.time({ description: 'Business time' })
  occurredAt: string;

  @Answer.time({ description: "The store's time of recording" })
  recordedAt: string;

  @Answer.object({ description: "The event's data, as recorded" })
  data: Record<string, unknown>;

  @Answer.object({ description: 'correlationId, causationId, actor, occurredAt, schemaVersion and what else was kept' })
  metadata: Record<string, unknown>;
}

/** The last line of an export the store broke off: resume with after=<the last position received>. */
export class ExportStoppedResponse {
  @Answer.string({ example: 'the export stopped: the event store cannot be reached; resume with after=1207' })
  error: string;
}
