import { registerAgents } from './support/org';
import { agent, analyst, TestDesk } from './support/test-desk';

const IT_STANDARD = [{ priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 480 }];

describe('POST /analytics/sla-what-if', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await TestDesk.start();
    await desk.expect(201, 'POST', '/departments', { body: { id: 'it', name: 'IT' } });
    await desk.expect(200, 'PUT', '/departments/it/service-standard', { body: { targets: IT_STANDARD } });
    await desk.expect(201, 'POST', '/customers', {
      body: { id: 'eva', name: 'Eva', type: 'internal', kind: 'employee', departmentId: 'it' },
    });
    await registerAgents(desk, ['it']);
    // 09:00: three high requests. a answered at 09:10, resolved at 10:00; b answered at 09:20, resolved at 11:00; c never touched.
    for (const id of ['a', 'b', 'c']) {
      await desk.expect(201, 'POST', '/requests', {
        as: agent(),
        body: { id, requesterId: 'eva', departmentId: 'it', subject: id, priority: 'high' },
      });
    }
    const work = async (id: string, answerAfter: number, resolveAfter: number) => {
      desk.clock.advanceMinutes(answerAfter);
      await desk.expect(201, 'POST', `/requests/${id}/comments`, { as: agent(), body: { body: 'on it', visibility: 'public' } });
      await desk.expect(200, 'POST', `/requests/${id}/assign`, { as: agent(), body: { agentId: agent().sub } });
      await desk.expect(200, 'POST', `/requests/${id}/start`, { as: agent() });
      desk.clock.advanceMinutes(resolveAfter);
      return desk.expect(200, 'POST', `/requests/${id}/resolve`, { as: agent(), body: { resolution: 'done' } });
    };
    await work('a', 10, 50); // 09:10, 10:00
    desk.clock.current = new Date('2026-03-02T09:00:00Z');
    await work('b', 20, 100); // 09:20, 11:00
    desk.clock.current = new Date('2026-03-02T12:00:00Z');
    const { position } = await desk.expect(201, 'POST', '/requests/c/comments', {
      as: agent(),
      body: { body: 'internal note', visibility: 'internal' },
    });
    expect(await desk.readSide.waitFor(['request-summaries'], BigInt(position), 5000)).toBe(true);
  });
  afterAll(async () => {
    await desk.stop();
  });

  it('measures a stretch of history under another standard beside the one in force, changing nothing', async () => {
    const before = await desk.eventCount();
    const answer = await desk.expect(200, 'POST', '/analytics/sla-what-if', {
      as: analyst,
      body: {
        departmentId: 'it',
        from: '2026-03-02T08:00:00Z',
        to: '2026-03-02T10:00:00Z',
        targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 15, resolutionMinutes: 60 }],
      },
    });
    expect(answer).toMatchObject({ departmentId: 'it', requests: 3, asOf: '2026-03-02T12:00:00.000Z' });
    expect(answer.inForce.internal).toEqual({
      // a 20 and b 10 minutes to spare; c unanswered after 180 minutes.
      firstResponse: { met: 2, breached: 1, pending: 0, noTarget: 0, compliance: 0.6667, medianMinutesToSpare: 10 },
      resolution: { met: 2, breached: 0, pending: 1, noTarget: 0, compliance: 1, medianMinutesToSpare: 360 },
    });
    expect(answer.whatIf.internal).toEqual({
      firstResponse: { met: 1, breached: 2, pending: 0, noTarget: 0, compliance: 0.3333, medianMinutesToSpare: -5 },
      resolution: { met: 1, breached: 2, pending: 0, noTarget: 0, compliance: 0.3333, medianMinutesToSpare: -60 },
    });
    expect(answer.whatIf.external.resolution).toMatchObject({ met: 0, breached: 0, compliance: null });
    expect(await desk.eventCount()).toBe(before);
  });

  it('counts business hours of the calendar asked about', async () => {
    const answer = await desk.expect(200, 'POST', '/analytics/sla-what-if', {
      as: analyst,
      body: {
        departmentId: 'it',
        from: '2026-03-02T08:00:00Z',
        to: '2026-03-02T10:00:00Z',
        targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 15, resolutionMinutes: 60 }],
        // Working hours from 10:00 UTC only: a and b were answered before the clock started.
        calendar: { timeZone: 'UTC', weeklyHours: [{ day: 'mon', start: '10:00', end: '18:00' }], holidays: [] },
      },
    });
    expect(answer.whatIf.internal.firstResponse).toMatchObject({ met: 2, breached: 1, medianMinutesToSpare: 15 });
    // a resolved at 10:00 (0 minutes used), b at 11:00 (60), c open at 12:00 (120 used).
    expect(answer.whatIf.internal.resolution).toMatchObject({ met: 2, breached: 1, medianMinutesToSpare: 0 });
  });

  it('refuses bad standards, windows, departments and roles', async () => {
    const body = { departmentId: 'it', from: '2026-03-02T08:00:00Z', to: '2026-03-02T10:00:00Z', targets: IT_STANDARD };
    expect((await desk.call('POST', '/analytics/sla-what-if', { as: agent(), body })).status).toBe(403);
    expect((await desk.call('POST', '/analytics/sla-what-if', { as: analyst, body: { ...body, departmentId: 'nope' } })).status).toBe(404);
    expect((await desk.call('POST', '/analytics/sla-what-if', { as: analyst, body: { ...body, to: body.from } })).status).toBe(400);
    expect((await desk.call('POST', '/analytics/sla-what-if', { as: analyst, body: { ...body, targets: [] } })).status).toBe(400);
    const negative = await desk.call('POST', '/analytics/sla-what-if', {
      as: analyst,
      body: { ...body, targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 0, resolutionMinutes: 60 }] },
    });
    expect(negative.status).toBe(400);
    const badCalendar = await desk.call('POST', '/analytics/sla-what-if', {
      as: analyst,
      body: { ...body, calendar: { timeZone: 'Mars/Olympus', weeklyHours: [{ day: 'mon', start: '09:00', end: '17:00' }] } },
    });
    expect([badCalendar.status, badCalendar.body.errors?.[0]?.field]).toEqual([400, 'calendar.timeZone']);
  });
});
