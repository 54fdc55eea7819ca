import jwt from 'jsonwebtoken';
import { TEST_SECRET, TestDesk } from '../api/support/test-desk';

/**
 * Regression (issue 17, item 3): the rate-limit bucket was keyed by the raw Authorization header, so a
 * whitespace or case variant of one token got a fresh bucket, and so did every garbage token; trustProxy was on,
 * so X-Forwarded-For chose the per-address bucket. Buckets are keyed by the verified subject now, anything
 * unverified by the address (failed authentications count there), and forwarded headers are believed only from
 * the proxies TRUST_PROXY names.
 */
const LIMIT = 4;
const signed = (sub: string, issuedAt = Math.floor(Date.now() / 1000)) =>
  jwt.sign({ role: 'agent', iat: issuedAt }, TEST_SECRET, { algorithm: 'HS256', subject: sub, expiresIn: '1h' });

async function statuses(desk: TestDesk, calls: { authorization?: string; forwardedFor?: string }[]): Promise<number[]> {
  const answers: number[] = [];
  for (const { authorization, forwardedFor } of calls) {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = authorization;
    if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
    answers.push((await desk.call('GET', '/departments/none', { as: null, headers })).status);
  }
  return answers;
}

describe('rate limits keyed by who is verified', () => {
  let desk: TestDesk;
  beforeEach(async () => {
    desk = await TestDesk.start({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
  });
  afterEach(async () => {
    await desk.stop();
  });

  it('gives one bucket to a subject, whatever the spelling of its header or which of its tokens it sends', async () => {
    const token = signed('busy');
    const another = signed('busy', Math.floor(Date.now() / 1000) - 60);
    const spellings = [
      `Bearer ${token}`,
      `bearer ${token}`,
      `BEARER  ${token}`,
      `Bearer\t${token}`,
      `Bearer ${another}`,
      ` Bearer ${token}`,
    ];
    expect(
      await statuses(
        desk,
        spellings.map((authorization) => ({ authorization })),
      ),
    ).toEqual([404, 404, 404, 404, 429, 429]);
    // Another subject has a bucket of its own.
    expect(await statuses(desk, [{ authorization: `Bearer ${signed('calm')}` }])).toEqual([404]);
  });

  it('counts failed authentications in the bucket of their address, where every garbage token lands', async () => {
    const garbage = Array.from({ length: LIMIT + 2 }, (_, i) => ({ authorization: `Bearer garbage-${i}` }));
    expect(await statuses(desk, garbage)).toEqual([401, 401, 401, 401, 429, 429]);
    // No token at all is the same address.
    expect(await statuses(desk, [{}])).toEqual([429]);
    // A verified caller from that address is not held back by the failures.
    expect(await statuses(desk, [{ authorization: `Bearer ${signed('honest')}` }])).toEqual([404]);
  });

  it('does not let X-Forwarded-For choose the bucket when no proxy is configured', async () => {
    const spoofed = Array.from({ length: LIMIT + 2 }, (_, i) => ({ authorization: 'Bearer nope', forwardedFor: `203.0.113.${i}` }));
    expect(await statuses(desk, spoofed)).toEqual([401, 401, 401, 401, 429, 429]);
  });
});

describe('rate limits behind a configured proxy', () => {
  it('believe X-Forwarded-For from the proxies TRUST_PROXY names', async () => {
    // Injected requests come from 127.0.0.1, the proxy here.
    const desk = await TestDesk.start({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '127.0.0.1' } });
    try {
      const client = (address: string) =>
        Array.from({ length: LIMIT + 1 }, () => ({ authorization: 'Bearer nope', forwardedFor: address }));
      expect(await statuses(desk, client('198.51.100.7'))).toEqual([401, 401, 401, 401, 429]);
      expect(await statuses(desk, client('198.51.100.8'))).toEqual([401, 401, 401, 401, 429]);
    } finally {
      await desk.stop();
    }
  });
});
