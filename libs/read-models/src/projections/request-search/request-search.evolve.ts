import type { RequestEvent } from '@desk/domain';
import type { RequestSearchRow } from '../../store/read-model-tables';
import { appendComment } from './search-text';

/** The events that change what search reads of a request. */
export const SEARCH_EVENT_TYPES = [
  'RequestOpened',
  'CommentAdded',
  'RequestTransferred',
] as const satisfies readonly RequestEvent['type'][];

/** What the index needs of a row besides the row: whether its text changed (the index is written again only then). */
export interface SearchDocumentChange {
  row: RequestSearchRow;
  textChanged: boolean;
}

/**
 * A request's search row after one of its events (`revision` is the event's stream revision), or undefined when the
 * event changes nothing: an event already applied (at or below the row's revision), one of a request this read model
 * never saw opened, or one search does not read. `docId` numbers a request seen for the first time.
 */
export function evolveSearchDocument(
  row: RequestSearchRow | undefined,
  event: RequestEvent,
  revision: number,
  docId: () => number,
): SearchDocumentChange | undefined {
  if (row && revision <= row.revision) return undefined;
  switch (event.type) {
    case 'RequestOpened': {
      if (row) return undefined;
      const { requestId, requesterId, departmentId, subject, description } = event.data;
      return {
        row: {
          request_id: requestId,
          doc_id: docId(),
          revision,
          requester_id: requesterId,
          department_id: departmentId,
          subject,
          description,
          public_comments: '',
          internal_comments: '',
        },
        textChanged: true,
      };
    }
    case 'CommentAdded': {
      if (!row) return undefined;
      const { body, visibility } = event.data;
      const next =
        visibility === 'public'
          ? { ...row, revision, public_comments: appendComment(row.public_comments, body) }
          : { ...row, revision, internal_comments: appendComment(row.internal_comments, body) };
      return { row: next, textChanged: true };
    }
    case 'RequestTransferred':
      if (!row) return undefined;
      return { row: { ...row, revision, department_id: event.data.toDepartmentId }, textChanged: false };
    default:
      return undefined;
  }
}
