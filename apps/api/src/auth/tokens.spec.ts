import jwt from 'jsonwebtoken';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningSecret } from './signing-secret';
import { InvalidTokenError, issueToken, verifyToken } from './tokens';

const SECRET = 'a-secret-that-is-definitely-long-enough-for-hs256';

describe('bearer tokens', () => {
  it('round-trips subject and role', () => {
    expect(verifyToken(SECRET, issueToken(SECRET, 'anna', 'requester'))).toEqual({ id: 'anna', role: 'requester' });
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
  ])('refuses a token %s', (_, make, message) => {
    expect(() => verifyToken(SECRET, make())).toThrow(InvalidTokenError);
    expect(() => verifyToken(SECRET, make())).toThrow(message);
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
