import jwt from 'jsonwebtoken';
import { TEST_SECRET, TestDesk, agent, analyst, manager, requester } from './support/test-desk';

/**
 * Every bad input a client can send gets its status and a problem document
 * naming the fault, and appends nothing.
 */
describe('hostile input over HTTP', () => {
  let desk: TestDesk;
  let eventsBefore: number;

  beforeAll(async () => {
    desk = await TestDesk.start();
    await desk.expect(201, 'POST', '/departments', { body: { id: 'it', name: 'IT' } });
    await desk.expect(201, 'POST', '/customers', {
      body: { id: 'anna', name: 'Anna', type: 'internal', kind: 'employee', departmentId: 'it', customerFacing: true },
    });
    await desk.expect(201, 'POST', '/requests', {
      as: agent(),
      body: { id: 'r1', requesterId: 'anna', departmentId: 'it', subject: 'Phones dead', priority: 'high' },
    });
  });
  afterAll(() => desk.stop());

  beforeEach(async () => {
    eventsBefore = await desk.eventCount();
  });

  afterEach(async () => {
    expect(await desk.eventCount()).toBe(eventsBefore);
  });

  function expectProblem(
    answer: { status: number; headers: Record<string, unknown>; body: { detail: string } },
    status: number,
    detail?: RegExp,
  ) {
    expect(answer.status).toBe(status);
    expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), type: expect.any(String) });
    if (detail) expect(answer.body.detail).toMatch(detail);
  }

  it('malformed JSON is a 400', async () => {
    expectProblem(await desk.call('POST', '/departments', { rawBody: '{"id": "x", "name": ' }), 400, /not valid JSON/);
  });

  it('a JSON body that is not an object is a 400', async () => {
    expectProblem(await desk.call('POST', '/departments', { rawBody: '[1,2,3]' }), 400, /must be a JSON object/);
    expectProblem(await desk.call('POST', '/departments', { rawBody: '"text"' }), 400);
    expectProblem(await desk.call('POST', '/departments', { rawBody: 'null' }), 400);
  });

  it('an unknown field is a 400 that names it', async () => {
    const answer = await desk.call('POST', '/departments', { body: { id: 'hr', name: 'HR', colour: 'blue' } });
    expectProblem(answer, 400);
    expect(answer.body.errors).toContainEqual({ field: 'colour', message: 'colour is not a known field' });
  });

  it('a wrong type is a 400 that names the field, with no coercion', async () => {
    const answer = await desk.call('POST', '/requests/r1/satisfaction', { as: requester('anna'), body: { score: '5' } });
    expectProblem(answer, 400);
    expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(['score']);
  });

  it('nested mistakes are named by their path', async () => {
    const answer = await desk.call('PUT', '/departments/it/service-standard', {
      body: { targets: [{ priority: 'urgent', audience: 'internal', firstResponseMinutes: 0, resolutionMinutes: 60 }] },
    });
    expectProblem(answer, 400);
    const fields = answer.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['targets[0].priority', 'targets[0].firstResponseMinutes']));
  });

  it('a service standard whose targets would take decades of a sparse calendar is a 400', async () => {
    const answer = await desk.call('PUT', '/departments/it/service-standard', {
      body: {
        targets: [{ priority: 'low', audience: 'external', firstResponseMinutes: 527040, resolutionMinutes: 527040 }],
        calendar: { timeZone: 'Pacific/Chatham', weeklyHours: [{ day: 'mon', start: '00:00', end: '00:01' }] },
      },
    });
    expectProblem(answer, 400, /resolutionMinutes/);
  });

  it('a missing required field is a 400', async () => {
    const answer = await desk.call('POST', '/requests/r1/assign', { as: agent(), body: {} });
    expectProblem(answer, 400);
    expect(answer.body.errors[0].field).toBe('agentId');
  });

  it('an oversized body is a 413', async () => {
    const answer = await desk.call('POST', '/requests/r1/comments', { as: agent(), body: { body: 'x'.repeat(70 * 1024) } });
    expectProblem(answer, 413);
  });

  it('another media type is a 415', async () => {
    const answer = await desk.call('POST', '/departments', {
      rawBody: 'id=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(answer, 415);
  });

  it('an unknown request is a 404', async () => {
    expectProblem(await desk.call('POST', '/requests/nope/assign', { as: agent(), body: { agentId: agent().sub } }), 404, /does not exist/);
    expectProblem(await desk.call('GET', '/requests/nope', { as: agent() }), 404);
  });

  it('an id that could never exist is a 404, not a lookup', async () => {
    expectProblem(await desk.call('GET', `/requests/${encodeURIComponent('../../etc/passwd')}`, { as: agent() }), 404);
    expectProblem(await desk.call('GET', `/requests/${'x'.repeat(300)}`, { as: agent() }), 404);
  });

  it('an unknown route is a 404 problem', async () => {
    expectProblem(await desk.call('POST', '/nowhere', { body: {} }), 404);
  });

  it('a refused transition is a 409 that names the state and the command', async () => {
    const answer = await desk.call('POST', '/requests/r1/resume', { as: agent() });
    expectProblem(answer, 409);
    expect(answer.body.detail).toMatch(/resume/);
    expect(answer.body.detail).toMatch(/new/);
  });

  it('no token, a malformed header, a bad signature, an expired token and an unknown role are 401s', async () => {
    expectProblem(await desk.call('GET', '/requests/r1', { as: null }), 401, /no bearer token/);
    expectProblem(await desk.call('GET', '/requests/r1', { as: null, headers: { authorization: 'Basic abc' } }), 401);
    const forged = jwt.sign({ role: 'manager' }, 'another-secret-that-is-long-enough-as-well', { subject: 'x' });
    expectProblem(await desk.call('GET', '/requests/r1', { as: null, headers: { authorization: `Bearer ${forged}` } }), 401, /invalid/);
    const expired = jwt.sign({ role: 'manager', exp: Math.floor(Date.now() / 1000) - 60 }, TEST_SECRET, { subject: 'x' });
    expectProblem(await desk.call('GET', '/requests/r1', { as: null, headers: { authorization: `Bearer ${expired}` } }), 401, /expired/);
    const godMode = jwt.sign({ role: 'root' }, TEST_SECRET, { subject: 'x' });
    expectProblem(await desk.call('GET', '/requests/r1', { as: null, headers: { authorization: `Bearer ${godMode}` } }), 401, /role/);
    const none = jwt.sign({ role: 'manager' }, '', { algorithm: 'none', subject: 'x' });
    expectProblem(await desk.call('GET', '/requests/r1', { as: null, headers: { authorization: `Bearer ${none}` } }), 401);
  });

  it('a role not allowed on the route is a 403', async () => {
    expectProblem(await desk.call('POST', '/departments', { as: agent(), body: { id: 'hr', name: 'HR' } }), 403, /agent/);
    expectProblem(await desk.call('POST', '/requests/r1/assign', { as: analyst, body: { agentId: 'a' } }), 403);
    expectProblem(await desk.call('POST', '/requests/r1/assign', { as: requester('anna'), body: { agentId: 'a' } }), 403);
  });

  it("a requester cannot act on someone else's request", async () => {
    const answer = await desk.call('POST', '/requests/r1/cancel', { as: requester('mallory'), body: { reason: 'prank' } });
    expect([403, 404]).toContain(answer.status);
  });

  it('a bad If-Match is a 400 and a stale one a 412', async () => {
    expectProblem(
      await desk.call('POST', '/requests/r1/escalate', { as: agent(), body: { reason: 'x' }, headers: { 'if-match': 'yesterday' } }),
      400,
    );
    expectProblem(
      await desk.call('POST', '/requests/r1/escalate', { as: agent(), body: { reason: 'x' }, headers: { 'if-match': '"99"' } }),
      412,
    );
  });

  it('a bad Idempotency-Key is a 400', async () => {
    expectProblem(
      await desk.call('POST', '/requests/r1/escalate', {
        as: agent(),
        body: { reason: 'x' },
        headers: { 'idempotency-key': 'é'.repeat(3) },
      }),
      400,
    );
  });

  it('a bad asOf is a 400', async () => {
    expectProblem(await desk.call('GET', '/requests/r1?asOf=someday', { as: agent() }), 400);
  });

  it('a number in a query string is decimal digits: Number() would have read these as 10, 16 and 5', async () => {
    for (const limit of ['1e1', '0x10', '%205', '5%20', '']) {
      const answer = await desk.call('GET', `/queues/it?limit=${limit}`, { as: agent() });
      expectProblem(answer, 400);
      expect(answer.body.errors).toEqual([{ field: 'limit', message: 'limit must be a number written in decimal digits' }]);
    }
    expectProblem(await desk.call('GET', '/queues/it?limit=10&waitMs=0x10&minPosition=1', { as: agent() }), 400, /waitMs/);
  });

  it('keeps the manager path working after all of that', async () => {
    const answer = await desk.call('GET', '/requests/r1', { as: manager });
    expect(answer.status).toBe(200);
  });
});
