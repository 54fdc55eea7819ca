import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '@desk/domain';
import type { FastifyRequest } from 'fastify';
import type { CommandEnvelope } from '@desk/application';
import { BadRequestProblem, CORRELATION_PATTERN, UnauthorizedProblem } from '@desk/http';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

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

/**
 * The envelope of a command sent over HTTP: actor from the token, correlation
 * id from X-Correlation-Id (or a new one), Idempotency-Key and If-Match.
 */
export function envelopeFromHttp(request: FastifyRequest & { actor?: Actor }): CommandEnvelope {
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
  };
  if (key !== undefined) {
    envelope.idempotencyKey = `${actor.id}\u0000${key}`;
    envelope.fingerprint = createHash('sha256')
      .update(
        `${request.method} ${request.routeOptions?.url ?? request.url} ${JSON.stringify(request.params ?? {})} ${canonicalJson(request.body ?? {})}`,
      )
      .digest('base64url');
  }
  return envelope;
}

export const Envelope = createParamDecorator((_: unknown, context: ExecutionContext): CommandEnvelope =>
  envelopeFromHttp(context.switchToHttp().getRequest()),
);
