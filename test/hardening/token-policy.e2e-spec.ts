import jwt from 'jsonwebtoken';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, exited, freePort, spawnApp } from '../support/child-apps';
import { TEST_SECRET, TestDesk } from '../api/support/test-desk';

/**
 * Regression (issue 17, item 7): a token without exp was good for ever, one with an iat in the future or an
 * unknown crit header was accepted, and an auth-secret file cut short (or empty) signed tokens with a guessable
 * key. Tokens now live at most AUTH_MAX_TOKEN_LIFETIME_S (24 h) and must expire, the others are 401s, and a short
 * auth-secret stops start-up with exit 2 naming the file.
 */
const now = () => Math.floor(Date.now() / 1000);
const sign = (payload: object, options: jwt.SignOptions = {}) =>
  jwt.sign({ role: 'manager', sub: 'mia', ...payload }, TEST_SECRET, { algorithm: 'HS256', ...options });

async function statusWith(desk: TestDesk, token: string): Promise<{ status: number; detail?: string }> {
  const answer = await desk.call('POST', '/departments', {
    as: null,
    headers: { authorization: `Bearer ${token}` },
    body: { id: 'x', name: 'X' },
  });
  return { status: answer.status, detail: answer.body?.detail };
}

describe('the token policy', () => {
  it('refuses by default a token without expiry, living longer than a day, issued in the future, or with a crit header', async () => {
    const desk = await TestDesk.start();
    try {
      expect(await statusWith(desk, sign({}))).toEqual({ status: 401, detail: 'the token has no expiry (exp)' });
      expect(await statusWith(desk, sign({ exp: now() + 2 * 86_400 }))).toEqual({
        status: 401,
        detail: expect.stringMatching(/^the token lives \d+ s, longer than the 86400 s this desk accepts$/),
      });
      expect(await statusWith(desk, sign({ iat: now() + 3600, exp: now() + 7200 }))).toEqual({
        status: 401,
        detail: 'the token was issued in the future (iat)',
      });
      expect(await statusWith(desk, sign({ exp: now() + 600 }, { header: { alg: 'HS256', crit: ['exp'] } as jwt.JwtHeader }))).toEqual({
        status: 401,
        detail: 'the token names critical header extensions (crit) this desk does not understand',
      });
      expect(await desk.eventCount()).toBe(0);
      expect((await statusWith(desk, sign({ exp: now() + 8 * 3600 }))).status).toBe(201);
    } finally {
      await desk.stop();
    }
  });

  it('takes any lifetime, and tokens without expiry, with AUTH_MAX_TOKEN_LIFETIME_S=0', async () => {
    const desk = await TestDesk.start({ env: { AUTH_MAX_TOKEN_LIFETIME_S: '0' } });
    try {
      expect((await statusWith(desk, sign({}))).status).toBe(201);
      // A token from the future is never good.
      expect((await statusWith(desk, sign({ iat: now() + 3600 }))).status).toBe(401);
    } finally {
      await desk.stop();
    }
  });

  it.each([
    ['empty', ''],
    ['cut short', 'only-twenty-bytes-aa\n'],
  ])(
    'stops start-up with exit status 2, naming the file, when the generated auth-secret is %s',
    async (_, content) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'desk-short-secret-'));
      try {
        const file = join(dataDir, 'auth-secret');
        writeFileSync(file, content, { mode: 0o600 });
        const api = spawnApp('api', { DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1' });
        const stderr = collect(api, 'stderr');
        expect(await exited(api)).toBe(2);
        expect(stderr()).toContain(
          `configuration error: ${file} holds ${Buffer.byteLength(content.trim())} bytes; the signing secret must be at least 32`,
        );
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
