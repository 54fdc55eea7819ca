import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DomainError } from '@desk/domain';
import {
  EventStoreUnavailableError,
  STORE_FAILURE_MEANING,
  STORE_FAILURE_RETRY_AFTER_SECONDS,
  WrongExpectedRevisionError,
  type StoreFailureKind,
} from '@desk/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ApplicationError, CommandShedError, PreconditionFailedError } from '@desk/application';
import { isMissingReadModel, readModelStoreFailure, ReadModelsBusyError } from '@desk/read-models';
import { CORRELATION_PATTERN } from './correlation-id';
import { ProblemError } from './problems';
import { WarningThrottle } from './warning-throttle';

/** An RFC 9457 problem document. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  /** The offending fields of invalid input. */
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

/** One offending field of invalid input, as ProblemDocument's `errors` lists it. */
export class ProblemFieldResponse {
  @ApiProperty({ example: 'subject', description: 'The field, query parameter or header that was refused' })
  field: string;

  @ApiProperty({ example: 'must have at least 1 character' })
  message: string;
}

/**
 * The schema of every error answer (application/problem+json): ProblemDocument
 * as the OpenAPI document shows it. Extensions some problems carry
 * (currentRevision on a 412, position and checkpoints on a read model behind,
 * checks on a failed readiness) are further members.
 */
export class ProblemResponse implements ProblemDocument {
  [extension: string]: unknown;

  @ApiProperty({ example: '/problems/invalid-input', description: 'A relative URI naming the kind of problem; /problems/<slug of title>' })
  type: string;

  @ApiProperty({ example: 'Invalid input' })
  title: string;

  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  status: number;

  @ApiProperty({ example: 'subject: must have at least 1 character' })
  detail: string;

  @ApiPropertyOptional({ example: '/requests', description: 'The path asked' })
  instance?: string;

  @ApiPropertyOptional({ type: () => [ProblemFieldResponse], description: 'The offending fields of invalid input' })
  errors?: ProblemFieldResponse[];

  @ApiPropertyOptional({ example: '9b2c4f0e-8a57-4d5e-a7c1-0f3e2d1c6b5a', description: 'The X-Correlation-Id of the answer' })
  correlationId?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '3',
    description: 'On a 412: the revision the resource stands at now (null: it does not exist)',
  })
  currentRevision?: string | null;

  @ApiPropertyOptional({
    enum: Object.keys(STORE_FAILURE_RETRY_AFTER_SECONDS),
    example: 'read_only',
    description:
      'On a 503 a store caused: what it did (out of reach, refusing writes, out of room, locked, damaged); Retry-After says when to try again',
  })
  storeFailure?: StoreFailureKind;
}

/** The titles of the statuses the API answers with a problem, as toProblem names them. */
export const PROBLEM_TITLES: Readonly<Record<number, string>> = {
  400: 'Invalid input',
  401: 'Not authenticated',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  409: 'Conflict',
  412: 'Revision mismatch',
  413: 'Body too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  429: 'Too many requests',
  503: 'Service unavailable',
};

const DOMAIN_STATUS: Record<DomainError['kind'], { status: number; title: string }> = {
  invalid: { status: 400, title: 'Invalid input' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'Not found' },
  refused: { status: 409, title: 'Command refused' },
};

const APPLICATION_STATUS: Record<ApplicationError['kind'], { status: number; title: string }> = {
  idempotency_conflict: { status: 409, title: 'Conflict' },
  concurrency_conflict: { status: 409, title: 'Conflict' },
  precondition_failed: { status: 412, title: 'Revision mismatch' },
  read_model_not_of_this_log: { status: 503, title: 'Read model not of this log' },
  shed: { status: 503, title: 'Service unavailable' },
};

const TITLES = PROBLEM_TITLES;

const slug = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function document(
  status: number,
  title: string,
  detail: string,
  fields?: Record<string, string>,
  extra?: Record<string, unknown>,
): ProblemDocument {
  const problem: ProblemDocument = { type: `/problems/${slug(title)}`, title, status, detail, ...extra };
  if (fields && Object.keys(fields).length > 0) {
    problem.errors = Object.entries(fields).map(([field, message]) => ({ field, message }));
  }
  return problem;
}

/** The one mapping from every error a desk process can meet over HTTP to its problem document. */
export function toProblem(error: unknown): ProblemDocument {
  if (error instanceof ProblemError) return document(error.status, error.title, error.message, error.fields, error.extra);
  if (error instanceof DomainError) {
    const { status, title } = DOMAIN_STATUS[error.kind];
    return document(status, title, error.message, error.fields);
  }
  if (error instanceof ApplicationError) {
    const { status, title } = APPLICATION_STATUS[error.kind];
    // Where the resource stands now, a string like every revision the API sends (null: it does not exist).
    const extra =
      error instanceof PreconditionFailedError
        ? { currentRevision: error.currentRevision === null ? null : String(error.currentRevision) }
        : undefined;
    return document(status, title, error.message, undefined, extra);
  }
  if (error instanceof WrongExpectedRevisionError) {
    return document(409, 'Conflict', 'the resource changed concurrently; retry against its new state');
  }
  // Fastify's own client errors (bad JSON, body too large, bad media type, an upload the client aborted) carry a
  // 4xx statusCode. They come before the stores' errors: an aborted upload's ECONNRESET is the client's, not a store
  // out of reach (it was logged as one, thousands of times in one test).
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && !(error instanceof HttpException)) {
    return document(statusCode, TITLES[statusCode] ?? 'Bad request', fastifyDetail(error as { code?: string; message: string }));
  }
  if (error instanceof EventStoreUnavailableError) {
    // Read-only, full, busy or out of reach: each said as what it is, all answered alike (503, Retry-After).
    return document(
      503,
      'Service unavailable',
      `the event store ${STORE_FAILURE_MEANING[error.kind]}; nothing was recorded, retry later`,
      undefined,
      {
        storeFailure: error.kind,
      },
    );
  }
  if (isMissingReadModel(error)) {
    return document(503, 'Read model not ready', 'the read models have not been built yet (is a projector running?); retry later');
  }
  if (error instanceof ReadModelsBusyError) {
    return document(
      503,
      'Service unavailable',
      'the read models are answering as many queries as they may hold; retry after Retry-After seconds',
    );
  }
  const readModelFailure = readModelStoreFailure(error);
  if (readModelFailure) {
    return document(
      503,
      'Service unavailable',
      `the read-model store ${STORE_FAILURE_MEANING[readModelFailure.kind]}; retry later`,
      undefined,
      {
        storeFailure: readModelFailure.kind,
      },
    );
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    return document(status, TITLES[status] ?? 'Error', status === 404 ? 'no such route' : detail);
  }
  return document(500, 'Internal error', 'the server failed to handle this request; it has been logged');
}

/** Seconds a client is asked to wait before retrying, for the refusals that know them (the Retry-After header). */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (error instanceof ReadModelsBusyError || error instanceof CommandShedError) return error.retryAfterSeconds;
  return storeRetryAfterSeconds(error);
}

/** A store's failure (the event store's, the read models'), by kind: a busy store is asked again sooner than a full one. */
function storeRetryAfterSeconds(error: unknown): number | undefined {
  if (error instanceof EventStoreUnavailableError) return error.retryAfterSeconds;
  // A 4xx of fastify's own (an aborted upload's ECONNRESET) is the client's, not a store's: no Retry-After.
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode < 500) return undefined;
  const failure = readModelStoreFailure(error);
  return failure ? STORE_FAILURE_RETRY_AFTER_SECONDS[failure.kind] : undefined;
}

function fastifyDetail(error: { code?: string; message: string }): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the request body is larger than the server accepts';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'send the body as application/json';
    case 'ECONNRESET':
      return 'the client closed the connection before its body arrived';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the body is empty but Content-Type says application/json; send {} or no Content-Type';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    default:
      return error.message.startsWith('Body is not valid JSON') || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
        ? `the body is not valid JSON: ${error.message}`
        : error.message;
  }
}

/** One 'answered unavailable' line per kind of 503 per 10 s: a burst or an outage answers thousands. */
const UNAVAILABLE_WARNINGS = new WarningThrottle();

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: unknown, logger: Logger): void {
  const problem = toProblem(error);
  problem.instance = request.url;
  // The id the answer carries (the client's when valid, else a new one), never a client's invalid header echoed back.
  let correlationId = reply.getHeader('x-correlation-id');
  if (typeof correlationId !== 'string') {
    const given = request.headers['x-correlation-id'];
    correlationId = typeof given === 'string' && CORRELATION_PATTERN.test(given) ? given : randomUUID();
    void reply.header('x-correlation-id', correlationId);
  }
  problem.correlationId = correlationId;
  const retryAfter = retryAfterSeconds(error);
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  if (problem.status === 503) {
    // "Not now, retry" (a store out of reach, a read model behind its bounded wait) is a condition to watch, not a fault of the API.
    const admitted = UNAVAILABLE_WARNINGS.admit(
      `${problem.title} ${String(problem.storeFailure ?? '')} ${error instanceof Error ? error.name : ''}`,
    );
    if (admitted) {
      logger.warn({
        msg: 'request answered unavailable',
        url: request.url,
        method: request.method,
        detail: problem.detail,
        ...(admitted.heldBack > 0 ? { alikeSinceLastLine: admitted.heldBack } : {}),
      });
    }
  } else if (problem.status >= 500) {
    logger.error({ msg: 'request failed', url: request.url, method: request.method, error: (error as Error)?.stack ?? String(error) });
  }
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(problem));
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getResponse<FastifyReply>(), http.getRequest<FastifyRequest>(), error, this.logger);
  }
}
