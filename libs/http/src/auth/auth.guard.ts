import { CanActivate, ExecutionContext, Injectable, createParamDecorator, type Provider } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Actor } from '@desk/domain';
import { DeskMetrics, loadOrCreateSigningSecret, tokenPolicy, TokenRole, type AppConfig } from '@desk/application';
import { ForbiddenProblem, UnauthorizedProblem } from '../problems';
import { Authenticator, TOKEN_POLICY, type AuthenticatedRequest } from './authenticator';
import { COMMAND_KEY, PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

export { TOKEN_POLICY } from './authenticator';

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
        maxLifetimeSeconds: config.authMaxTokenLifetimeSeconds,
      }),
  };
}

/** Bearer JWT on every route but the public ones, then the route's roles. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly metrics: DeskMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const actor = this.authenticator.require(context.switchToHttp().getRequest<AuthenticatedRequest>());
    const roles = this.reflector.getAllAndOverride<TokenRole[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(actor.role as TokenRole)) {
      const command = this.reflector.get<string | undefined>(COMMAND_KEY, context.getHandler());
      if (command) this.metrics.countRefusal(command, 'forbidden');
      throw new ForbiddenProblem(`the role ${actor.role} may not do this; allowed: ${roles.join(', ')}`);
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
