import { connect, type AddressInfo } from 'node:net';
import { TestDesk } from '../api/support/test-desk';

/**
 * Regression (issue 17, item 6): what Node's HTTP parser refuses before fastify routes a request (headers too
 * large, malformed HTTP, an Expect the server does not meet; a request past its time is in slow-clients) was
 * answered with fastify's own JSON or an empty body. It is a problem document like every other refusal.
 */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let raw = '';
    socket.on('data', (chunk) => (raw += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(raw));
  });
}

function parse(raw: string): { status: number; headers: string; problem: Record<string, unknown> } {
  const end = raw.indexOf('\r\n\r\n');
  return { status: Number(raw.slice(9, 12)), headers: raw.slice(0, end), problem: JSON.parse(raw.slice(end + 4)) };
}

describe('refusals of the HTTP layer itself', () => {
  let desk: TestDesk;
  let port: number;
  beforeAll(async () => {
    desk = await TestDesk.start();
    await desk.app.listen(0, '127.0.0.1');
    port = (desk.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await desk.stop();
  });

  it.each([
    [
      'headers over the size limit',
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'Request headers too large',
    ],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'Malformed request'],
    ['a header line without a colon', 'GET /health/live HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', 400, 'Malformed request'],
    [
      'an expectation other than 100-continue',
      'GET /health/live HTTP/1.1\r\nHost: x\r\nExpect: the-moon\r\n\r\n',
      417,
      'Expectation failed',
    ],
  ])('answers %s with a problem document', async (_, bytes, status, title) => {
    const answer = parse(await exchange(port, bytes));
    expect(answer.status).toBe(status);
    expect(answer.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(answer.problem).toMatchObject({
      status,
      title,
      type: `/problems/${title.toLowerCase().replace(/ /g, '-')}`,
      detail: expect.any(String),
    });
    expect(answer.headers.toLowerCase()).toContain(`x-correlation-id: ${answer.problem.correlationId}`);
  });

  it('still answers after them', async () => {
    expect(parse(await exchange(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status).toBe(200);
  });
});
