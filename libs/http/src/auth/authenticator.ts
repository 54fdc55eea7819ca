import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@desk/domain';
import type { FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { DeskMetrics, InvalidTokenError, TokenVerifier, type TokenPolicy } from '@desk/application';
import { UnauthorizedProblem } from '../problems';

export const TOKEN_POLICY = Symbol('TokenPolicy');

export type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

type Authentication = { actor: Actor } | { refusal: UnauthorizedProblem; reason: 'missing' | 'malformed' | 'rejected' };

/**
 * The bearer token of a request, verified once per request whoever asks first:
 * the hook that refuses a body before it is read, the rate limiter that keys
 * its buckets by the verified subject, or the guard that checks the roles.
 */
@Injectable()
export class Authenticator {
  private readonly tokens: TokenVerifier;
  private readonly outcomes = new WeakMap<FastifyRequest, Authentication>();
  private readonly counted = new WeakSet<FastifyRequest>();
  private readonly failures: Counter<'reason'>;

  constructor(@Inject(TOKEN_POLICY) policy: TokenPolicy, metrics: DeskMetrics) {
    this.tokens = new TokenVerifier(policy);
    this.failures = new Counter({
      name: 'desk_http_authentication_failures_total',
      help: 'Requests refused for their bearer token: missing, malformed, or rejected (bad signature, expired, wrong claims)',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
  }

  /** Who sent the request, when its token is valid; undefined otherwise (nothing is refused or counted here). */
  actorOf(request: FastifyRequest): Actor | undefined {
    const outcome = this.authenticate(request);
    return 'actor' in outcome ? outcome.actor : undefined;
  }

  /** The request's actor, or the 401 to answer with (counted once per request). */
  require(request: AuthenticatedRequest): Actor {
    const outcome = this.authenticate(request);
    if ('actor' in outcome) return (request.actor = outcome.actor);
    if (!this.counted.has(request)) {
      this.counted.add(request);
      this.failures.inc({ reason: outcome.reason });
    }
    throw outcome.refusal;
  }

  private authenticate(request: FastifyRequest): Authentication {
    let outcome = this.outcomes.get(request);
    if (!outcome) {
      outcome = this.verify(request.headers.authorization);
      this.outcomes.set(request, outcome);
    }
    return outcome;
  }

  private verify(header: string | undefined): Authentication {
    if (!header) return { refusal: new UnauthorizedProblem('no bearer token: send Authorization: Bearer <token>'), reason: 'missing' };
    // The scheme is case-insensitive, and whitespace around the value is not part of it (HTTP strips it; so does this).
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) return { refusal: new UnauthorizedProblem('the Authorization header must be "Bearer <token>"'), reason: 'malformed' };
    try {
      return { actor: this.tokens.verify(match[1]) };
    } catch (error) {
      if (error instanceof InvalidTokenError) return { refusal: new UnauthorizedProblem(error.message), reason: 'rejected' };
      throw error;
    }
  }
}
