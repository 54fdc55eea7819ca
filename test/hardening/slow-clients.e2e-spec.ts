import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { TestDesk, manager } from '../api/support/test-desk';

/**
 * Regression (issue 17, item 2): fastify's requestTimeout and connectionTimeout were 0, so a body sent a byte at a
 * time was held for ever, with no token needed (authentication ran after the body was read), and slow headers
 * were cut only after about 90 s; 20,000 such connections exhausted the process's file descriptors. Every
 * request now has a bounded time to arrive, connections are capped, a body without a valid token is refused
 * before it is read, and the limits are in /metrics.
 *
 * The slow clients are sockets of this process on loopback, each promising a body far longer than they will ever
 * send (one byte every BYTE_EVERY_MS): only the server can end them.
 */
const BYTE_EVERY_MS = 400;
// Under the body limit (64 KiB in the test desk), so only time can end them.
const PROMISED_BODY_BYTES = 60_000;

interface SlowAnswer {
  /** What the server sent before it closed the connection. */
  raw: string;
  status: number | undefined;
  /** Bytes of the body the client had sent by then. */
  bodyBytesSent: number;
}

/** A client that sends its headers at once (or not all of them), then its body one byte at a time until the server closes. */
function slowClient(
  port: number,
  head: string,
  options: { completeHeaders: boolean },
): { answer: Promise<SlowAnswer>; connected: Promise<void> } {
  const socket: Socket = connect(port, '127.0.0.1');
  let raw = '';
  let bodyBytesSent = 0;
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const answer = new Promise<SlowAnswer>((resolve) => {
    let drip: NodeJS.Timeout | undefined;
    socket.once('connect', () => {
      socket.write(options.completeHeaders ? `${head}\r\n` : head.split('\r\n')[0] + '\r\n');
      drip = setInterval(() => {
        if (socket.destroyed || !socket.writable) return;
        socket.write(options.completeHeaders ? '{' : 'x');
        if (options.completeHeaders) bodyBytesSent++;
      }, BYTE_EVERY_MS);
    });
    socket.on('data', (chunk) => (raw += chunk.toString('utf8')));
    // A reset or a write after the server closed is how a slow client learns it was cut: the close that follows tells the rest.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearInterval(drip);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1];
      resolve({ raw, status: status === undefined ? undefined : Number(status), bodyBytesSent });
    });
  });
  return { answer, connected };
}

function postHead(path: string, headers: Record<string, string>): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${PROMISED_BODY_BYTES}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return lines.join('\r\n') + '\r\n';
}

/** One plain request on a connection of its own, closed after the answer. */
function call(
  port: number,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          connection: 'close',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

function openFileDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Until the server holds no connection (the last answer's socket closes a moment after its answer). */
async function connectionsClosed(desk: TestDesk): Promise<void> {
  const server = desk.app.getHttpServer();
  const open = () =>
    new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
  while ((await open()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Until the server has accepted this many connections. */
async function accepted(desk: TestDesk, count: number): Promise<void> {
  const server = desk.app.getHttpServer();
  const open = () => new Promise<number>((resolve, reject) => server.getConnections((error, n) => (error ? reject(error) : resolve(n))));
  while ((await open()) < count) await new Promise((resolve) => setTimeout(resolve, 20));
}

function metric(scrape: string, name: string): number | undefined {
  const line = scrape.split('\n').find((candidate) => candidate.startsWith(name + ' ') || candidate.startsWith(name + '{'));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function problemOf(raw: string): { status: number; title: string; detail: string } {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

describe('slow clients', () => {
  let desk: TestDesk;
  let port: number;
  let token: string;
  beforeAll(async () => {
    desk = await TestDesk.start({ env: { REQUEST_TIMEOUT_MS: '2000', HEADERS_TIMEOUT_MS: '1000', MAX_CONNECTIONS: '100' } });
    await desk.app.listen(0, '127.0.0.1');
    port = (desk.app.getHttpServer().address() as AddressInfo).port;
    token = desk.token(manager.sub, manager.role);
  });
  afterAll(async () => {
    await desk.stop();
  });

  it('are closed with a 408 problem document once their time is up, while other clients are answered, and leave no descriptor behind', async () => {
    // Warm: the stores' files and the first connections' buffers are open before the count is taken.
    expect((await call(port, 'POST', '/departments', { token, body: { id: 'warm', name: 'Warm' } })).status).toBe(201);
    expect((await call(port, 'GET', '/health/live')).status).toBe(200);
    await connectionsClosed(desk);
    const descriptorsBefore = openFileDescriptors();

    const slowBodies = Array.from({ length: 20 }, () =>
      slowClient(port, postHead('/departments', { Authorization: `Bearer ${token}` }), { completeHeaders: true }),
    );
    const slowHeaders = Array.from({ length: 20 }, () => slowClient(port, postHead('/departments', {}), { completeHeaders: false }));
    const slow = [...slowBodies, ...slowHeaders];
    await Promise.all(slow.map((client) => client.connected));

    // Meanwhile the desk answers everyone else.
    expect((await call(port, 'GET', '/health/live')).status).toBe(200);
    expect((await call(port, 'POST', '/departments', { token, body: { id: 'meanwhile', name: 'Meanwhile' } })).status).toBe(201);
    expect((await call(port, 'GET', '/departments/meanwhile', { token })).status).toBe(200);

    const answers = await Promise.all(slow.map((client) => client.answer));
    for (const answer of answers) {
      expect(answer.status).toBe(408);
      expect(answer.raw).toMatch(/content-type: application\/problem\+json/i);
      expect(problemOf(answer.raw)).toMatchObject({
        status: 408,
        title: 'Request timeout',
        detail: expect.stringMatching(/within 2000 ms/),
      });
      // Cut by the server, not finished by the client.
      expect(answer.bodyBytesSent).toBeLessThan(PROMISED_BODY_BYTES);
    }
    expect(await desk.eventCount()).toBe(2);

    const scrape = (await call(port, 'GET', '/metrics')).body;
    expect(scrape).toMatch(/desk_http_client_errors_total\{reason="timeout"[^}]*\} 40/);
    expect(metric(scrape, 'desk_http_request_timeout_seconds')).toBe(2);
    expect(metric(scrape, 'desk_http_headers_timeout_seconds')).toBe(1);
    expect(metric(scrape, 'desk_http_connection_timeout_seconds')).toBe(120);
    expect(metric(scrape, 'desk_http_max_connections')).toBe(100);
    expect(metric(scrape, 'desk_http_body_limit_bytes')).toBe(64 * 1024);
    // The scrape's own connection is the one still open.
    expect(metric(scrape, 'desk_http_open_connections')).toBe(1);
    await connectionsClosed(desk);
    expect(openFileDescriptors()).toBeLessThanOrEqual(descriptorsBefore);
  });

  it('refuses a body without a valid token before reading it: a 401 while the body has not begun', async () => {
    const before = await desk.eventCount();
    for (const authorization of [undefined, 'Bearer not-a-token', 'Basic YWxpY2U6cw==']) {
      const client = slowClient(port, postHead('/departments', authorization ? { Authorization: authorization } : {}), {
        completeHeaders: true,
      });
      const answer = await client.answer;
      expect(answer.status).toBe(401);
      expect(problemOf(answer.raw)).toMatchObject({ status: 401, title: 'Not authenticated' });
      expect(answer.raw).toMatch(/connection: close/i);
      // The client was still at the start of its 60,000 bytes: the server did not wait for them.
      expect(answer.bodyBytesSent).toBeLessThan(PROMISED_BODY_BYTES);
    }
    expect(await desk.eventCount()).toBe(before);
    const scrape = (await call(port, 'GET', '/metrics')).body;
    expect(scrape).toMatch(/desk_http_authentication_failures_total\{reason="missing"[^}]*\} 1/);
    expect(scrape).toMatch(/desk_http_authentication_failures_total\{reason="rejected"[^}]*\} 1/);
    expect(scrape).toMatch(/desk_http_authentication_failures_total\{reason="malformed"[^}]*\} 1/);
  });
});

describe('the connection cap', () => {
  it('closes connections beyond MAX_CONNECTIONS on arrival, counts them, and serves again once the slow ones are cut', async () => {
    const desk = await TestDesk.start({ env: { REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '1000', MAX_CONNECTIONS: '5' } });
    try {
      await desk.app.listen(0, '127.0.0.1');
      const port = (desk.app.getHttpServer().address() as AddressInfo).port;
      const holders = Array.from({ length: 5 }, () => slowClient(port, postHead('/departments', {}), { completeHeaders: false }));
      await Promise.all(holders.map((holder) => holder.connected));
      await accepted(desk, 5);
      const beyond = slowClient(port, 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n', { completeHeaders: true });
      const refused = await beyond.answer;
      expect(refused.raw).toBe('');
      const cut = await Promise.all(holders.map((holder) => holder.answer));
      expect(cut.map((answer) => answer.status)).toEqual([408, 408, 408, 408, 408]);

      const scrape = await call(port, 'GET', '/metrics');
      expect(scrape.status).toBe(200);
      expect(metric(scrape.body, 'desk_http_connections_dropped_total')).toBeGreaterThanOrEqual(1);
      expect(metric(scrape.body, 'desk_http_max_connections')).toBe(5);
    } finally {
      await desk.stop();
    }
  });
});
