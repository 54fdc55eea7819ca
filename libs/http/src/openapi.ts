import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_TITLES, ProblemResponse } from './problem-details';

/** The error statuses a route can answer, each with the reason it is given. */
const WHEN: Record<number, string> = {
  400: 'A field, query parameter or header is invalid, or the body gives a key twice; `errors` names each with its message',
  401: 'No valid bearer token',
  403: "The token's role may not do this, or not to this resource",
  404: 'No such resource',
  406: 'The Accept header takes none of the media types the route answers in (the detail names them)',
  409: 'Refused in the state the resource is in, an Idempotency-Key reused with another request, or a concurrent change to retry',
  412: 'If-Match names another revision than the current one (`currentRevision`)',
  413: 'The body is larger than the server accepts',
  415: 'The body is not application/json, or its Content-Type names a charset other than UTF-8',
  429: 'More requests a minute than the caller may send; retry after Retry-After seconds',
  503: 'A store is out of reach, busy, read-only, full or damaged (`storeFailure` says which; nothing recorded; Retry-After), the read models are not built or not as far as asked (minPosition), the read models hold as many queries or the desk as many commands as may wait (Retry-After), or a command was not reached before its deadline (Request-Timeout-Ms or the server’s, Retry-After; nothing recorded); retry later',
};

export type ProblemStatus = 400 | 401 | 403 | 404 | 406 | 409 | 412 | 413 | 415 | 429 | 503;

/** What a command can meet (invalid body, token, role, unknown or refusing resource, If-Match, body limits, rate, stores), and a query. */
export const COMMAND_PROBLEMS: readonly ProblemStatus[] = [400, 401, 403, 404, 409, 412, 413, 415, 429, 503];
export const QUERY_PROBLEMS: readonly ProblemStatus[] = [400, 401, 403, 404, 429, 503];

/**
 * Documents the error statuses a route answers, each as application/problem+json
 * with the problem schema (ProblemResponse, the shape toProblem gives).
 */
export function ApiProblems(...statuses: readonly ProblemStatus[]) {
  return applyDecorators(
    ApiExtraModels(ProblemResponse),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: `${PROBLEM_TITLES[status]}: ${WHEN[status]}`,
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemResponse) } } },
        ...(status === 429
          ? { headers: { 'Retry-After': { description: 'Seconds until the caller may send again', schema: { type: 'integer' } } } }
          : status === 503
            ? {
                headers: {
                  'Retry-After': {
                    description:
                      'Seconds until the caller may retry: when the desk is busy (read models or commands waiting as many as may, a command past its deadline), or a store failed (`storeFailure`: 1 busy, 5 unavailable, 15 read_only or full, 60 corrupt)',
                    schema: { type: 'integer' },
                  },
                },
              }
            : {}),
      }),
    ),
  );
}

/** The request headers of a command: an Idempotency-Key makes a retry safe, If-Match makes a change conditional. */
export function ApiCommandHeaders() {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 200 visible ASCII characters. The same key with the same request answers as the first time, without recording again; ' +
        'with another request it is a 409.',
      schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$', maxLength: 200 },
      example: 'open-2026-03-02-0001',
    }),
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'The revision (as ETag gives it, e.g. "3") the resource must stand at, else 412; * or absent: any.',
      schema: { type: 'string', pattern: '^\\s*(\\*|(W/)?"?\\d{1,19}"?)\\s*$' },
      example: '"3"',
    }),
    ApiHeader({
      name: 'Request-Timeout-Ms',
      required: false,
      description:
        'Milliseconds (1–3600000) the client waits for the answer, from when the request arrived. A command not decided by then, or by the ' +
        'server’s own deadline (COMMAND_DEADLINE_MS) if sooner, is refused with a 503 and nothing recorded; one whose client disconnects is dropped too.',
      schema: { type: 'string', pattern: '^\\d{1,7}$' },
      example: '2000',
    }),
    ApiCorrelationHeader(),
  );
}

export function ApiCorrelationHeader() {
  return ApiHeader({
    name: 'X-Correlation-Id',
    required: false,
    description: 'Ties the events this call records (and its log lines) together; 1–128 letters, digits or . _ : -. A new one when absent.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  });
}

/**
 * The header a read-model query may take for read-your-writes. Named as the route reads it
 * (`@Headers('x-min-position')`), so it replaces the required parameter Nest infers from that.
 */
export function ApiMinPositionHeader() {
  return ApiHeader({
    name: 'x-min-position',
    required: false,
    description: 'X-Min-Position: as the minPosition query parameter; answer only once the read models reflect this log position.',
    schema: { type: 'string', pattern: '^\\d{1,20}$' },
    example: '1207',
  });
}

/** The ETag of an answer: the resource's stream revision, in quotes, for If-Match. */
export const ETAG_HEADER = {
  ETag: { description: 'The revision of the resource, in quotes; send it back as If-Match', schema: { type: 'string', example: '"3"' } },
} as const;
