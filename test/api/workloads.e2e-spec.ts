import { describeSkipped } from '../support/describe-skipped';
import { openPostgresReadModels } from '../read-models/support/read-model-backends';
import { registerAgents } from './support/org';
import { agent, analyst, manager, operator, requester, TestDesk } from './support/test-desk';
import type { ReadModelStore } from '@desk/read-models';

/**
 * Monday 2 March 2026 from 09:00Z. IT (internal high: 30 minutes to answer, 240 to resolve): a1 answered after 10
 * minutes and resolved after 50, rated 4; a2 answered after 40 (late) and resolved after 90. The shop (external high:
 * 60 and 240): b1 answered after 30 and resolved after 120; b2 still open.
 */
async function monday(desk: TestDesk): Promise<string> {
  await desk.expect(201, 'POST', '/departments', { body: { id: 'it', name: 'IT' } });
  await desk.expect(201, 'POST', '/departments', { body: { id: 'shop', name: 'Shop' } });
  await desk.expect(200, 'PUT', '/departments/it/service-standard', {
    body: { targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 240 }] },
  });
  await desk.expect(200, 'PUT', '/departments/shop/service-standard', {
    body: { targets: [{ priority: 'high', audience: 'external', firstResponseMinutes: 60, resolutionMinutes: 240 }] },
  });
  await desk.expect(201, 'POST', '/customers', {
    body: { id: 'eva', name: 'Eva (accounts)', type: 'internal', kind: 'employee', departmentId: 'it' },
  });
  await desk.expect(201, 'POST', '/customers', { body: { id: 'olga', name: 'Olga', type: 'external', kind: 'individual' } });
  await registerAgents(desk, ['it', 'shop']);
  const staff = agent();
  const openRequest = (id: string, requesterId: string, departmentId: string) =>
    desk.expect(201, 'POST', '/requests', {
      as: staff,
      body: { id, requesterId, departmentId, subject: `Request ${id}`, priority: 'high' },
    });
  const command = (id: string, verb: string, body: Record<string, unknown> = {}) =>
    desk.expect(200, 'POST', `/requests/${id}/${verb}`, { as: staff, body });
  const answer = (id: string) => desk.expect(201, 'POST', `/requests/${id}/comments`, { as: staff, body: { body: 'on it' } });
  const at = (minutes: number) => {
    desk.clock.current = new Date(Date.parse('2026-03-02T09:00:00Z') + minutes * 60_000);
  };

  at(0);
  for (const [id, requesterId, departmentId] of [
    ['a1', 'eva', 'it'],
    ['a2', 'eva', 'it'],
    ['b1', 'olga', 'shop'],
    ['b2', 'olga', 'shop'],
  ]) {
    await openRequest(id, requesterId, departmentId);
  }
  for (const id of ['a1', 'a2', 'b1']) await command(id, 'assign', { agentId: staff.sub });
  for (const id of ['a1', 'a2', 'b1']) await command(id, 'start');
  at(10);
  await answer('a1');
  at(30);
  await answer('b1');
  at(40);
  await answer('a2');
  at(50);
  await command('a1', 'resolve', { resolution: 'fixed' });
  await desk.expect(200, 'POST', '/requests/a1/satisfaction', { as: requester('eva'), body: { score: 4 } });
  at(90);
  await command('a2', 'resolve', { resolution: 'fixed' });
  at(120);
  const { position } = await command('b1', 'resolve', { resolution: 'fixed' });
  at(180);
  return position;
}

function describeWorkloads(name: string, readModels: () => Promise<ReadModelStore | undefined>) {
  describe(`workloads over HTTP (${name})`, () => {
    let desk: TestDesk;
    let store: ReadModelStore | undefined;
    beforeEach(async () => {
      store = await readModels();
      desk = await TestDesk.start({ readModels: store });
    });
    afterEach(async () => {
      await desk.stop();
      await store?.close();
    });

    it('gives a department’s figures and the whole desk’s, times interpolated over every sample', async () => {
      const position = await monday(desk);
      const it = await desk.expect(200, 'GET', `/departments/it/workload?minPosition=${position}`, { as: analyst });
      expect(it).toMatchObject({
        departmentId: 'it',
        asOf: '2026-03-02T12:00:00.000Z',
        open: 0,
        byStatus: { new: 0, in_progress: 0, resolved: 2, closed: 0, cancelled: 0 },
        days: [{ day: '2026-03-02', intake: 2, resolved: 2 }],
        // Answers after 10 and 40 minutes: median 25, p90 10 + 0.9 · 30. Resolutions after 50 and 90: 70, 86.
        times: {
          firstResponse: { business: { count: 2, medianMinutes: 25, p90Minutes: 37 } },
          resolution: {
            business: { count: 2, medianMinutes: 70, p90Minutes: 86 },
            elapsed: { count: 2, medianMinutes: 70, p90Minutes: 86 },
          },
        },
        sla: { internal: { firstResponse: { met: 1, breached: 1, compliance: 0.5 }, resolution: { met: 2, breached: 0, compliance: 1 } } },
        satisfaction: { internal: { ratings: 1, mean: 4 }, poorRatings: 0 },
      });

      const whole = await desk.expect(200, 'GET', `/workload?minPosition=${position}`, { as: manager });
      expect(whole).toMatchObject({
        asOf: '2026-03-02T12:00:00.000Z',
        open: 1,
        byStatus: { new: 1, resolved: 3 },
        byAudience: { internal: 0, external: 1 },
        unassigned: 1,
        days: [{ day: '2026-03-02', intake: 4, resolved: 3 }],
        // 10, 30, 40: p90 at rank 1.8, 30 + 0.8 · 10. 50, 90, 120: 90 + 0.8 · 30.
        times: {
          firstResponse: { business: { count: 3, medianMinutes: 30, p90Minutes: 38 } },
          resolution: { business: { count: 3, medianMinutes: 90, p90Minutes: 114 } },
        },
        sla: {
          internal: { firstResponse: { met: 1, breached: 1 }, resolution: { met: 2, breached: 0 } },
          external: { firstResponse: { met: 1, breached: 0 }, resolution: { met: 1, breached: 0 } },
        },
        satisfaction: { internal: { ratings: 1, mean: 4 }, external: { ratings: 0, mean: null } },
      });
      expect(whole).not.toHaveProperty('impact');
      // The desk's figures are its departments' together.
      const all = await desk.expect(200, 'GET', `/workloads?minPosition=${position}`, { as: operator });
      const sum = (pick: (entry: { open: number; byStatus: Record<string, number> }) => number) =>
        all.departments.reduce((total: number, entry: { open: number; byStatus: Record<string, number> }) => total + pick(entry), 0);
      expect([sum((entry) => entry.open), sum((entry) => entry.byStatus.resolved)]).toEqual([whole.open, whole.byStatus.resolved]);
    });

    it('counts only what happened within from..to', async () => {
      const position = await monday(desk);
      const tuesday = await desk.expect(200, 'GET', `/workload?from=2026-03-03&to=2026-03-03&minPosition=${position}`, { as: analyst });
      expect(tuesday).toMatchObject({
        open: 1,
        byStatus: { new: 1, resolved: 0 },
        days: [],
        times: { firstResponse: { business: { count: 0, medianMinutes: null } }, resolution: { business: { count: 0 } } },
        sla: { internal: { firstResponse: { met: 0, breached: 0, compliance: null } } },
      });
      const monthBefore = await desk.expect(200, 'GET', `/departments/it/workload?to=2026-03-01&minPosition=${position}`, { as: analyst });
      expect([monthBefore.days, monthBefore.byStatus.resolved, monthBefore.times.resolution.business.count]).toEqual([[], 0, 0]);
    });

    it('refuses bad ranges naming the field, and callers other than managers, operators and analysts', async () => {
      await monday(desk);
      for (const [url, field, message] of [
        ['/workload?from=2026-02-30', 'from', 'from: expected a date YYYY-MM-DD, got "2026-02-30"'],
        ['/workload?to=yesterday', 'to', 'must be a date YYYY-MM-DD'],
        ['/workload?from=2026-03-02&to=2026-03-01', 'from', 'from (2026-03-02) is after to (2026-03-01)'],
        ['/departments/it/workload?from=2024-01-01&to=2026-01-01', 'from', 'from..to spans 732 days; at most 366'],
      ]) {
        const refused = await desk.call('GET', url, { as: analyst });
        expect([url, refused.status, refused.body.errors]).toEqual([url, 400, [{ field, message }]]);
      }
      expect((await desk.call('GET', '/workload', { as: agent() })).status).toBe(403);
      expect((await desk.call('GET', '/workload', { as: requester('eva') })).status).toBe(403);
      expect((await desk.call('GET', '/workload', { as: null })).status).toBe(401);
    });
  });
}

describeWorkloads('embedded read models', async () => undefined);

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) describeWorkloads('PostgreSQL read models', () => openPostgresReadModels(databaseUrl));
else describeSkipped('workloads over HTTP (PostgreSQL read models)', 'DATABASE_URL is not set');
