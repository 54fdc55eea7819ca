import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { REQUEST_STATUSES } from '@desk/domain';
import type { ChangedValue, FieldChange, RequestChange } from '@desk/read-models';

/** A field's value before and after a change. */
export class FieldChangeResponse implements FieldChange {
  @ApiProperty({
    description:
      'The value before the change (null before the request was opened): text, a number, a boolean, a list of text (tags), or null',
    // null is one of the choices: `nullable` beside a oneOf admits no null in OpenAPI 3.1.
    oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }],
    example: 'new',
  })
  from: ChangedValue;

  @ApiProperty({
    description: 'The value after the change: text, a number, a boolean, a list of text (tags, in the order added), or null',
    // null is one of the choices: `nullable` beside a oneOf admits no null in OpenAPI 3.1.
    oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }],
    example: 'assigned',
  })
  to: ChangedValue;
}

/** The data of one `change` event of GET /changes (its SSE id is the position, with `:seq` for an event's further changes). */
export class RequestChangeResponse implements RequestChange {
  @ApiProperty({ description: 'Log position of the event that made the change (digits)', pattern: '^\\d{1,20}$', example: '1234' })
  position: string;

  @ApiProperty({ example: 'req-1001' })
  requestId: string;

  @ApiProperty({
    type: String,
    nullable: true,
    pattern: '^\\d{1,20}$',
    description: "The request's stream revision after the change (what If-Match takes); null for requesters",
    example: '3',
  })
  revision: string | null;

  @ApiProperty({ description: "The request's department after the change", example: 'it' })
  departmentId: string;

  @ApiProperty({ enum: [...REQUEST_STATUSES], description: "The request's status after the change" })
  status: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The event that made the change (RequestAssigned, …); null for a requester when their history does not show it',
    example: 'RequestAssigned',
  })
  eventType: string | null;

  @ApiProperty({ format: 'date-time', description: 'Business time of the event', example: '2026-03-02T09:05:00.000Z' })
  occurredAt: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(FieldChangeResponse) },
    description:
      'The fields that changed, by the names request rows give them (status, assigneeId, priority, departmentId, holdReason, ' +
      'holdNote, heldAt, tags, …), from old to new. A requester gets only the fields their view of a request shows (holdReason ' +
      'and heldAt, never holdNote or tags).',
    example: { status: { from: 'new', to: 'assigned' }, assigneeId: { from: null, to: 'agent-ann' } },
  })
  changes: Record<string, FieldChangeResponse>;
}
