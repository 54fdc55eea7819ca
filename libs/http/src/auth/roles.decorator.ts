import { SetMetadata } from '@nestjs/common';
import type { TokenRole } from '@desk/application';

export const ROLES_KEY = 'desk:roles';
export const PUBLIC_KEY = 'desk:public';

/** The roles allowed on a route; a route without it is open to every authenticated role. */
export const Roles = (...roles: TokenRole[]) => SetMetadata(ROLES_KEY, roles);

/** A route that needs no token (health, OpenAPI). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
