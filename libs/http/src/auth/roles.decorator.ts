import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { TokenRole } from '@desk/application';

export const ROLES_KEY = 'desk:roles';
export const PUBLIC_KEY = 'desk:public';
export const COMMAND_KEY = 'desk:command';
/** The same mark in fastify's route config, where the hooks that run before the body is read can see it. */
export const PUBLIC_ROUTE_CONFIG = 'deskPublic';

/** The roles allowed on a route; a route without it is open to every authenticated role. */
export const Roles = (...roles: TokenRole[]) => SetMetadata(ROLES_KEY, roles);

/** A route that needs no token (health, metrics). Only on a handler: fastify's route config is read from the method. */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_KEY, true), RouteConfig({ [PUBLIC_ROUTE_CONFIG]: true }));

/** The command a route sends: a refusal by role, before the command is handled, is still counted as that command's. */
export const CommandRoute = (type: string) => SetMetadata(COMMAND_KEY, type);
