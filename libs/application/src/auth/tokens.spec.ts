import jwt from 'jsonwebtoken';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningSecret } from './signing-secret';
import { generateKeyPairSync } from 'node:crypto';
import { InvalidTokenError, issueToken, TokenVerifier, tokenPolicy, verifyToken } from './tokens';

const SECRET = 'a-secret-that-is-definitely-long-enough-for-hs256';

describe('bearer tokens', () => {
  it('round-trips subject and role', () => {
    expect(verifyToken(SECRET, issueToken(SECRET, 'anna', 'requester'))).toEqual({ id: 'anna', role: 'requester' });
  });

  it('takes any printable subject up to 200 characters, such as an e-mail address', () => {
    for (const subject of ['agent.smith@example.com', 'é'.repeat(200), 'auth0|5f7c8ec7c33c6c004bbafe82']) {
      expect(verifyToken(SECRET, issueToken(SECRET, subject, 'agent')).id).toBe(subject);
    }
  });

  it.each([
    ['signed with another secret', () => issueToken('another-secret-that-is-long-enough-too!!', 'x', 'agent'), /invalid/],
    ['expired', () => jwt.sign({ role: 'agent', exp: Math.floor(Date.now() / 1000) - 1 }, SECRET, { subject: 'x' }), /expired/],
    [
      'not valid yet',
      () => jwt.sign({ role: 'agent', nbf: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { subject: 'x' }),
      /not valid yet/,
    ],
    ['without subject', () => jwt.sign({ role: 'agent' }, SECRET), /no subject/],
    ['with an unknown role', () => jwt.sign({ role: 'admin' }, SECRET, { subject: 'x' }), /role/],
    ['unsigned (alg none)', () => jwt.sign({ role: 'agent' }, '', { algorithm: 'none', subject: 'x' }), /invalid/],
    ['of another algorithm', () => jwt.sign({ role: 'agent' }, SECRET, { algorithm: 'HS512', subject: 'x' }), /invalid/],
    ['garbage', () => 'not.a.token', /invalid/],
    // The subject becomes the actor of every event: PostgreSQL cannot hold U+0000, and logs must not be bent by it.
    ['whose subject holds a NUL', () => issueToken(SECRET, 'anna\u0000x', 'agent'), /control character/],
    ['whose subject holds a line break', () => issueToken(SECRET, 'anna\nlevel=error', 'agent'), /control character/],
    // A lone surrogate is what jsonb refuses and SQLite turns into U+FFFD: no store would record the actor as sent.
    ['whose subject holds a lone surrogate', () => issueToken(SECRET, 'anna\ud800', 'agent'), /well-formed Unicode/],
    ['whose subject is 201 characters long', () => issueToken(SECRET, 'x'.repeat(201), 'agent'), /at most 200 characters/],
  ])('refuses a token %s', (_, make, message) => {
    expect(() => verifyToken(SECRET, make())).toThrow(InvalidTokenError);
    expect(() => verifyToken(SECRET, make())).toThrow(message);
  });
});

describe('the lifetime of tokens', () => {
  const policy = tokenPolicy({ secret: SECRET, maxLifetimeSeconds: 3600 });
  const now = Math.floor(Date.now() / 1000);
  const sign = (payload: object, options: jwt.SignOptions = {}) => jwt.sign({ role: 'agent', sub: 'x', ...payload }, SECRET, options);

  it('accepts a token that expires within the policy’s lifetime', () => {
    expect(verifyToken(policy, sign({ exp: now + 3600 }))).toEqual({ id: 'x', role: 'agent' });
  });

  it.each([
    ['without exp', () => sign({}), /no expiry/],
    ['living longer than the policy allows', () => sign({ exp: now + 3601 + 5 }), /longer than the 3600 s/],
    ['without iat, expiring later than the lifetime from now', () => sign({ exp: now + 7200 }, { noTimestamp: true }), /longer/],
    ['issued in the future', () => sign({ iat: now + 120, exp: now + 600 }), /issued in the future/],
    ['with a crit header', () => sign({ exp: now + 60 }, { header: { alg: 'HS256', crit: ['b64'] } as jwt.JwtHeader }), /crit/],
  ])('refuses a token %s', (_, make, message) => {
    expect(() => verifyToken(policy, make())).toThrow(message);
  });

  it('refuses a token from the future even without a lifetime policy, within a minute of clock skew', () => {
    expect(() => verifyToken(SECRET, sign({ iat: now + 120 }))).toThrow(/issued in the future/);
    expect(verifyToken(SECRET, sign({ iat: now + 30 }))).toEqual({ id: 'x', role: 'agent' });
  });
});

describe('tokens from an identity provider, verified with its public key', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = (key: typeof rsa.publicKey) => key.export({ type: 'spki', format: 'pem' }).toString();
  const claims = { audience: 'service-desk', issuer: 'https://id.example.com' };

  it.each([
    ['RS256', rsa, 'RS256'],
    ['ES256', ec, 'ES256'],
  ] as const)('accepts %s tokens with the right audience and issuer', (_, pair, algorithm) => {
    const policy = tokenPolicy({ publicKey: pem(pair.publicKey), ...claims });
    expect(policy.algorithms).toEqual([algorithm]);
    const token = jwt.sign({ role: 'agent' }, pair.privateKey, { algorithm, subject: 'ann', ...claims });
    expect(verifyToken(policy, token)).toEqual({ id: 'ann', role: 'agent' });
  });

  it.each([
    [
      'for another audience',
      () => jwt.sign({ role: 'agent' }, rsa.privateKey, { algorithm: 'RS256', subject: 'x', ...claims, audience: 'other' }),
      /audience/,
    ],
    [
      'from another issuer',
      () => jwt.sign({ role: 'agent' }, rsa.privateKey, { algorithm: 'RS256', subject: 'x', ...claims, issuer: 'https://evil' }),
      /issuer/,
    ],
    [
      'without audience',
      () => jwt.sign({ role: 'agent' }, rsa.privateKey, { algorithm: 'RS256', subject: 'x', issuer: claims.issuer }),
      /audience/,
    ],
    [
      'signed with another key',
      () =>
        jwt.sign({ role: 'agent' }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, {
          algorithm: 'RS256',
          subject: 'x',
          ...claims,
        }),
      /invalid signature/,
    ],
    // The classic confusion: the public key used as an HMAC secret.
    [
      'HS256-signed with the public key as secret',
      () => jwt.sign({ role: 'agent' }, pem(rsa.publicKey), { algorithm: 'HS256', subject: 'x', ...claims }),
      /invalid/,
    ],
  ])('refuses a token %s', (_, make, message) => {
    const policy = tokenPolicy({ publicKey: pem(rsa.publicKey), ...claims });
    expect(() => verifyToken(policy, make())).toThrow(InvalidTokenError);
    expect(() => verifyToken(policy, make())).toThrow(message);
  });

  it('checks audience and issuer of HS256 tokens too, when configured', () => {
    const policy = tokenPolicy({ secret: SECRET, ...claims });
    expect(verifyToken(policy, issueToken(SECRET, 'ann', 'agent', '1h', claims))).toEqual({ id: 'ann', role: 'agent' });
    expect(() => verifyToken(policy, issueToken(SECRET, 'ann', 'agent'))).toThrow(/audience/);
  });
});

describe('the signing secret', () => {
  it('is generated once into the data folder, readable by its owner only, and reused', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-secret-'));
    try {
      const first = loadOrCreateSigningSecret({ dataDir, authSecret: undefined });
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(statSync(join(dataDir, 'auth-secret')).mode & 0o777).toBe(0o600);
      expect(loadOrCreateSigningSecret({ dataDir, authSecret: undefined })).toBe(first);
      expect(readFileSync(join(dataDir, 'auth-secret'), 'utf8').trim()).toBe(first);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is AUTH_SECRET when configured', () => {
    expect(loadOrCreateSigningSecret({ dataDir: '/nonexistent', authSecret: SECRET })).toBe(SECRET);
  });
});

describe('remembered tokens', () => {
  it('answers a token it verified with the same actor, and refuses it once it has expired', () => {
    let now = Date.now();
    const verifier = new TokenVerifier(tokenPolicy({ secret: SECRET }), 10, () => now);
    const token = jwt.sign({ role: 'agent', exp: Math.floor(now / 1000) + 60 }, SECRET, { subject: 'ann' });
    expect(verifier.verify(token)).toEqual({ id: 'ann', role: 'agent' });
    expect(verifier.verify(token)).toEqual({ id: 'ann', role: 'agent' });
    now += 61_000;
    jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate'] });
    try {
      expect(() => verifier.verify(token)).toThrow(/expired/);
    } finally {
      jest.useRealTimers();
    }
  });

  it('never remembers a refused token, and keeps at most its limit', () => {
    const verifier = new TokenVerifier(tokenPolicy({ secret: SECRET }), 2);
    const forged = jwt.sign({ role: 'manager' }, 'another-secret-that-is-long-enough-too!!', { subject: 'eve' });
    expect(() => verifier.verify(forged)).toThrow(InvalidTokenError);
    expect(() => verifier.verify(forged)).toThrow(InvalidTokenError);
    const tokens = ['a', 'b', 'c'].map((sub) => issueToken(SECRET, sub, 'agent'));
    for (const token of tokens) verifier.verify(token);
    expect(tokens.map((token) => verifier.verify(token).id)).toEqual(['a', 'b', 'c']);
  });
});
