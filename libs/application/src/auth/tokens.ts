import jwt from 'jsonwebtoken';
import { KeyObject, createPublicKey, createSecretKey } from 'node:crypto';
import { displaySpoofing, isWellFormedUnicode, type Actor, type Role } from '@desk/domain';

export const TOKEN_ROLES = ['requester', 'agent', 'manager', 'analyst', 'operator'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

export interface TokenClaims {
  audience?: string;
  issuer?: string;
}

export function issueToken(
  secret: string,
  subject: string,
  role: TokenRole,
  expiresIn: jwt.SignOptions['expiresIn'] = '8h',
  claims: TokenClaims = {},
): string {
  return jwt.sign({ role }, secret, {
    algorithm: 'HS256',
    subject,
    expiresIn,
    ...(claims.audience ? { audience: claims.audience } : {}),
    ...(claims.issuer ? { issuer: claims.issuer } : {}),
  });
}

/** How tokens are verified: the key, the algorithms it allows, the audience and issuer they must name, and how long they may live. */
export interface TokenPolicy extends TokenClaims {
  key: KeyObject;
  algorithms: jwt.Algorithm[];
  /** Longest a token may live, from its iat (or from now) to its exp; a token must then have an exp. Unset: any lifetime, exp optional. */
  maxLifetimeSeconds?: number;
}

const CURVE_ALGORITHMS: Record<string, jwt.Algorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/**
 * A shared HS256 secret, or a public key for tokens an identity provider
 * signs (RS256 for RSA keys, ES256/384/512 by the EC key's curve): never both,
 * so a public key can never be misused as an HMAC secret.
 */
export function tokenPolicy(options: { secret?: string; publicKey?: string; maxLifetimeSeconds?: number } & TokenClaims): TokenPolicy {
  const claims = { audience: options.audience, issuer: options.issuer, maxLifetimeSeconds: options.maxLifetimeSeconds || undefined };
  if (options.publicKey) {
    const key = createPublicKey(options.publicKey);
    const algorithm =
      key.asymmetricKeyType === 'rsa' ? 'RS256' : (CURVE_ALGORITHMS[String(key.asymmetricKeyDetails?.namedCurve)] ?? undefined);
    if (!algorithm) throw new TypeError(`no JWT algorithm for a ${key.asymmetricKeyType} key on ${key.asymmetricKeyDetails?.namedCurve}`);
    return { key, algorithms: [algorithm], ...claims };
  }
  if (!options.secret) throw new TypeError('a token policy needs a secret or a public key');
  return { key: signingKey(options.secret), algorithms: ['HS256'], ...claims };
}

/**
 * The HS256 key, built once: given a string, jsonwebtoken first tries to parse
 * it as a public key on every verification, which was a quarter of the CPU of
 * a command.
 */
export function signingKey(secret: string | KeyObject): KeyObject {
  return secret instanceof KeyObject ? secret : createSecretKey(Buffer.from(secret, 'utf8'));
}

const MAX_SUBJECT_LENGTH = 200;
/** Clocks of the desk and of an identity provider disagree by a little; an iat further ahead is a token from the future. */
const CLOCK_SKEW_SECONDS = 60;

/** The actor a bearer token stands for; every way a token can be wrong becomes one InvalidTokenError with the reason. */
export function verifyToken(policy: TokenPolicy | string, token: string, nowMs: number = Date.now()): Actor {
  const { key, algorithms, audience, issuer, maxLifetimeSeconds } = typeof policy === 'string' ? tokenPolicy({ secret: policy }) : policy;
  let header: jwt.JwtHeader;
  let payload: string | jwt.JwtPayload;
  try {
    ({ header, payload } = jwt.verify(token, key, {
      algorithms,
      complete: true,
      clockTimestamp: Math.floor(nowMs / 1000),
      ...(audience ? { audience } : {}),
      ...(issuer ? { issuer } : {}),
    }));
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new InvalidTokenError('the token has expired');
    if (error instanceof jwt.NotBeforeError) throw new InvalidTokenError('the token is not valid yet');
    throw new InvalidTokenError(`the token is invalid: ${(error as Error).message}`);
  }
  if (typeof payload === 'string' || typeof payload.sub !== 'string' || payload.sub === '') {
    throw new InvalidTokenError('the token has no subject');
  }
  // The subject is recorded as the actor of every event the token causes: no store may refuse it, no log be bent by it,
  // and it is shown as who did what, so it is held to what a name may hold.
  if (payload.sub.length > MAX_SUBJECT_LENGTH) {
    throw new InvalidTokenError(`the token's subject must be at most ${MAX_SUBJECT_LENGTH} characters`);
  }
  if (!isWellFormedUnicode(payload.sub)) {
    throw new InvalidTokenError("the token's subject must be well-formed Unicode (it holds a lone UTF-16 surrogate)");
  }
  const spoofing = displaySpoofing(payload.sub, 'name');
  if (spoofing !== undefined) throw new InvalidTokenError(`the token's subject must not contain ${spoofing}`);
  const role = payload.role;
  if (typeof role !== 'string' || !(TOKEN_ROLES as readonly string[]).includes(role)) {
    throw new InvalidTokenError(`the token's role must be one of ${TOKEN_ROLES.join(', ')}`);
  }
  // RFC 7515: a header extension listed in crit must be understood, or the token refused; this desk understands none.
  if ((header as jwt.JwtHeader & { crit?: unknown }).crit !== undefined) {
    throw new InvalidTokenError('the token names critical header extensions (crit) this desk does not understand');
  }
  const now = nowMs / 1000;
  if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_SKEW_SECONDS) {
    throw new InvalidTokenError('the token was issued in the future (iat)');
  }
  if (maxLifetimeSeconds !== undefined) {
    // A token that never expires, or lives for years, is a key that cannot be taken back.
    if (typeof payload.exp !== 'number') throw new InvalidTokenError('the token has no expiry (exp)');
    const lifetime = payload.exp - (typeof payload.iat === 'number' ? payload.iat : now);
    if (lifetime > maxLifetimeSeconds) {
      throw new InvalidTokenError(`the token lives ${Math.round(lifetime)} s, longer than the ${maxLifetimeSeconds} s this desk accepts`);
    }
  }
  return { id: payload.sub, role: role as Role };
}

/**
 * Verifies bearer tokens, remembering the ones it has verified until they
 * expire: a client sends the same token with every request, and checking its
 * signature again each time was a twentieth of a command's CPU. A remembered
 * token is as good as a verified one: same bytes, same signature, and its
 * expiry is checked on every use.
 */
export class TokenVerifier {
  private readonly verified = new Map<string, { actor: Actor; expiresAt: number }>();

  constructor(
    private readonly policy: TokenPolicy,
    private readonly limit = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  verify(token: string): Actor {
    const remembered = this.verified.get(token);
    if (remembered && this.now() < remembered.expiresAt) return remembered.actor;
    this.verified.delete(token);
    const actor = verifyToken(this.policy, token, this.now());
    const exp = (jwt.decode(token) as jwt.JwtPayload | null)?.exp;
    if (this.verified.size >= this.limit) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { actor, expiresAt: typeof exp === 'number' ? exp * 1000 : Infinity });
    return actor;
  }
}
