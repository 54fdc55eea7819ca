import { agent, TestDesk } from './support/test-desk';

/**
 * A browser console on another origin following GET /changes: an EventSource client that sends the bearer token
 * and Last-Event-ID (the `eventsource` package, or a polyfill that adds Cache-Control) is preflighted first.
 */
describe('GET /changes from a browser console on another origin', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await TestDesk.start({ env: { CORS_ORIGINS: 'https://console.example.com' } });
  });
  afterAll(async () => {
    await desk.stop();
  });

  it('allows the preflight of a resume naming Last-Event-ID, Authorization and Cache-Control', async () => {
    const preflight = await desk.call('OPTIONS', '/changes', {
      as: null,
      headers: {
        origin: 'https://console.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,last-event-id,cache-control',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://console.example.com');
    const allowed = String(preflight.headers['access-control-allow-headers'])
      .split(',')
      .map((header) => header.trim().toLowerCase());
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'last-event-id', 'cache-control']));
    expect(String(preflight.headers['access-control-allow-methods'])).toMatch(/\bGET\b/);
  });

  it('answers the stream itself to that origin', async () => {
    await desk.app.listen(0, '127.0.0.1');
    const base = (await desk.app.getUrl()).replace('[::1]', '127.0.0.1');
    const abort = new AbortController();
    const answer = await fetch(`${base}/changes`, {
      headers: {
        origin: 'https://console.example.com',
        authorization: `Bearer ${desk.token(agent().sub, 'agent')}`,
        'last-event-id': '0',
      },
      signal: abort.signal,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(answer.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    abort.abort();
  });
});
