import { CanActivate, ExecutionContext, Inject, Injectable, createParamDecorator, type Provider } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Actor } from '@desk/domain';
import type { FastifyRequest } from 'fastify';
import {
  InvalidTokenError,
  loadOrCreateSigningSecret,
  tokenPolicy,
  TokenRole,
  TokenVerifier,
  type AppConfig,
  type TokenPolicy,
} from '@desk/application';
import { ForbiddenProblem, UnauthorizedProblem } from '../problems';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

export const TOKEN_POLICY = Symbol('TokenPolicy');

/** The tokens a process accepts, from its configuration: its HS256 secret (given or generated) or the identity provider's public key. */
export function tokenPolicyProvider(config: AppConfig): Provider {
  return {
    provide: TOKEN_POLICY,
    useFactory: () =>
      tokenPolicy({
        secret: config.authPublicKey ? undefined : loadOrCreateSigningSecret(config),
        publicKey: config.authPublicKey,
        audience: config.authAudience,
        issuer: config.authIssuer,
      }),
  };
}

type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

/** Bearer JWT on every route but the public ones, then the route's roles. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: TokenVerifier;

  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_POLICY) policy: TokenPolicy,
  ) {
    this.tokens = new TokenVerifier(policy);
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (!header) throw new UnauthorizedProblem('no bearer token: send Authorization: Bearer <token>');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedProblem('the Authorization header must be "Bearer <token>"');
    try {
      request.actor = this.tokens.verify(match[1]);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthorizedProblem(error.message);
      throw error;
    }
    const roles = this.reflector.getAllAndOverride<TokenRole[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(request.actor.role as TokenRole)) {
      throw new ForbiddenProblem(`the role ${request.actor.role} may not do this; allowed: ${roles.join(', ')}`);
    }
    return true;
  }
}

/** The authenticated actor of the current request. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new UnauthorizedProblem('no authenticated actor');
  return actor;
});
