import jwt from 'jsonwebtoken';
import { generateKeyPairSync } from 'node:crypto';
import { agent, TestDesk } from './support/test-desk';

describe('hardening', () => {
  describe('with the defaults', () => {
    let desk: TestDesk;
    beforeAll(async () => {
      desk = await TestDesk.start();
    });
    afterAll(async () => {
      await desk.stop();
    });

    it('sends security headers on every answer, errors included', async () => {
      for (const answer of [await desk.call('GET', '/health/live', { as: null }), await desk.call('GET', '/queues/x', { as: null })]) {
        expect(answer.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'SAMEORIGIN',
          'strict-transport-security': expect.stringContaining('max-age='),
          'content-security-policy': expect.stringContaining("default-src 'self'"),
        });
      }
      expect((await desk.call('GET', '/docs', { as: null })).status).toBe(200);
    });

    it('answers no cross-origin request unless origins are configured', async () => {
      const preflight = await desk.call('OPTIONS', '/departments', {
        as: null,
        headers: { origin: 'https://desk.example.com', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('with CORS origins configured', () => {
    let desk: TestDesk;
    beforeAll(async () => {
      desk = await TestDesk.start({ env: { CORS_ORIGINS: 'https://desk.example.com' } });
    });
    afterAll(async () => {
      await desk.stop();
    });

    it('lets the configured origin call with the headers the API uses, and no other origin', async () => {
      const allowed = await desk.call('OPTIONS', '/requests', {
        as: null,
        headers: {
          origin: 'https://desk.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,idempotency-key',
        },
      });
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://desk.example.com');
      expect(String(allowed.headers['access-control-allow-headers'])).toMatch(/Idempotency-Key/);
      const other = await desk.call('OPTIONS', '/requests', {
        as: null,
        headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('rate limiting per token', () => {
    let desk: TestDesk;
    beforeAll(async () => {
      desk = await TestDesk.start({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
    });
    afterAll(async () => {
      await desk.stop();
    });

    it('answers 429 with a problem document past the limit, per token, and never limits health probes', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await desk.call('GET', '/departments/none', { as: agent('busy') })).status);
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429]);
      const limited = await desk.call('GET', '/departments/none', { as: agent('busy') });
      expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(limited.body).toMatchObject({
        status: 429,
        title: 'Too many requests',
        detail: expect.stringMatching(/more than 5 requests a minute/),
      });
      expect(limited.headers['retry-after']).toBeDefined();

      expect((await desk.call('GET', '/departments/none', { as: agent('calm') })).status).toBe(404);
      for (let i = 0; i < 10; i++) expect((await desk.call('GET', '/health/live', { as: null })).status).toBe(200);
    });
  });

  describe('tokens from an identity provider', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const claims = { audience: 'service-desk', issuer: 'https://id.example.com' };
    let desk: TestDesk;
    beforeAll(async () => {
      desk = await TestDesk.start({
        env: {
          AUTH_SECRET: '',
          AUTH_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          AUTH_AUDIENCE: claims.audience,
          AUTH_ISSUER: claims.issuer,
        },
      });
    });
    afterAll(async () => {
      await desk.stop();
    });

    const bearer = (token: string) => ({ as: null, headers: { authorization: `Bearer ${token}` } });

    it('accepts RS256 tokens signed by the provider for this audience and issuer, and nothing else', async () => {
      const good = jwt.sign({ role: 'manager' }, privateKey, { algorithm: 'RS256', subject: 'mia', ...claims, expiresIn: '1h' });
      expect((await desk.call('POST', '/departments', { ...bearer(good), body: { id: 'hr', name: 'HR' } })).status).toBe(201);

      const before = await desk.eventCount();
      for (const bad of [
        desk.token('mia', 'manager'),
        jwt.sign({ role: 'manager' }, privateKey, { algorithm: 'RS256', subject: 'mia', ...claims, audience: 'another-app' }),
        jwt.sign({ role: 'manager' }, privateKey, { algorithm: 'RS256', subject: 'mia', ...claims, issuer: 'https://elsewhere' }),
        jwt.sign({ role: 'manager' }, privateKey, { algorithm: 'RS256', subject: 'mia', ...claims, expiresIn: -10 }),
      ]) {
        const answer = await desk.call('POST', '/departments', { ...bearer(bad), body: { id: 'ops', name: 'Ops' } });
        expect(answer.status).toBe(401);
      }
      expect(await desk.eventCount()).toBe(before);
    });
  });
});
