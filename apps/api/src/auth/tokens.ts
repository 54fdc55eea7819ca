import jwt from 'jsonwebtoken';
import { KeyObject, createSecretKey } from 'node:crypto';
import type { Actor, Role } from '@desk/domain';

export const TOKEN_ROLES = ['requester', 'agent', 'manager', 'analyst', 'operator'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

export function issueToken(secret: string, subject: string, role: TokenRole, expiresIn: jwt.SignOptions['expiresIn'] = '8h'): string {
  return jwt.sign({ role }, secret, { algorithm: 'HS256', subject, expiresIn });
}

/**
 * The HS256 key, built once: given a string, jsonwebtoken first tries to parse
 * it as a public key on every verification, which was a quarter of the CPU of
 * a command.
 */
export function signingKey(secret: string | KeyObject): KeyObject {
  return secret instanceof KeyObject ? secret : createSecretKey(Buffer.from(secret, 'utf8'));
}

/** The actor a bearer token stands for; every way a token can be wrong becomes one InvalidTokenError with the reason. */
export function verifyToken(secret: string | KeyObject, token: string): Actor {
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, signingKey(secret), { algorithms: ['HS256'] });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new InvalidTokenError('the token has expired');
    if (error instanceof jwt.NotBeforeError) throw new InvalidTokenError('the token is not valid yet');
    throw new InvalidTokenError(`the token is invalid: ${(error as Error).message}`);
  }
  if (typeof payload === 'string' || typeof payload.sub !== 'string' || payload.sub === '') {
    throw new InvalidTokenError('the token has no subject');
  }
  const role = payload.role;
  if (typeof role !== 'string' || !(TOKEN_ROLES as readonly string[]).includes(role)) {
    throw new InvalidTokenError(`the token's role must be one of ${TOKEN_ROLES.join(', ')}`);
  }
  return { id: payload.sub, role: role as Role };
}
