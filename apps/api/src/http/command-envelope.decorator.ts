import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '@desk/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { scopedIdempotencyKey, type CommandEnvelope, type WaitingClient } from '@desk/application';
import { BadRequestProblem, CORRELATION_PATTERN, UnauthorizedProblem } from '@desk/http';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const TIMEOUT_PATTERN = /^\s*(\d{1,7})\s*$/;
const MAX_TIMEOUT_MS = 3_600_000;

/** JSON with sorted keys, so that the same body always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function parseIfMatch(header: string | undefined): bigint | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,19})"?\s*$/.exec(header);
  if (!match)
    throw new BadRequestProblem('If-Match must be a revision in quotes, as given by ETag, e.g. "3"', { 'If-Match': 'not a revision' });
  return BigInt(match[1]);
}

export function parseRequestTimeout(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = TIMEOUT_PATTERN.exec(header);
  const ms = match ? Number(match[1]) : NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) {
    throw new BadRequestProblem(`Request-Timeout-Ms must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`, {
      'Request-Timeout-Ms': 'not a number of milliseconds from 1 to 3600000',
    });
  }
  return ms;
}

/**
 * The client waiting for the answer: when its request arrived (fastify starts the reply's clock when it routes it,
 * before the body is read), how long it says it waits, and a signal aborted if it disconnects before the answer.
 */
function waitingClient(reply: FastifyReply, timeoutMs: number | undefined): WaitingClient {
  const gone = new AbortController();
  const response = reply.raw;
  response.once('close', () => {
    if (!response.writableFinished) gone.abort();
  });
  return { signal: gone.signal, arrivedAt: performance.now() - reply.elapsedTime, timeoutMs };
}

/**
 * The envelope of a command sent over HTTP: actor from the token, correlation
 * id from X-Correlation-Id (or a new one), Idempotency-Key, If-Match, and the
 * client waiting for the answer (Request-Timeout-Ms, its connection).
 */
export function envelopeFromHttp(request: FastifyRequest & { actor?: Actor }, reply: FastifyReply): CommandEnvelope {
  const actor = request.actor;
  if (!actor) throw new UnauthorizedProblem('no authenticated actor');
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const key = header('idempotency-key');
  if (key !== undefined && !KEY_PATTERN.test(key)) {
    throw new BadRequestProblem('Idempotency-Key must be 1–200 visible ASCII characters', { 'Idempotency-Key': 'invalid' });
  }
  const correlationId = header('x-correlation-id');
  if (correlationId !== undefined && !CORRELATION_PATTERN.test(correlationId)) {
    throw new BadRequestProblem('X-Correlation-Id must be 1–128 letters, digits or . _ : -', { 'X-Correlation-Id': 'invalid' });
  }
  const commandId = randomUUID();
  const envelope: CommandEnvelope = {
    commandId,
    correlationId: correlationId ?? commandId,
    actor,
    expectedRevision: parseIfMatch(header('if-match')),
    client: waitingClient(reply, parseRequestTimeout(header('request-timeout-ms'))),
  };
  if (key !== undefined) {
    envelope.idempotencyKey = scopedIdempotencyKey(actor, key);
    envelope.fingerprint = createHash('sha256')
      .update(
        `${request.method} ${request.routeOptions?.url ?? request.url} ${JSON.stringify(request.params ?? {})} ${canonicalJson(request.body ?? {})}`,
      )
      .digest('base64url');
  }
  return envelope;
}

export const Envelope = createParamDecorator((_: unknown, context: ExecutionContext): CommandEnvelope => {
  const http = context.switchToHttp();
  return envelopeFromHttp(http.getRequest(), http.getResponse());
});
