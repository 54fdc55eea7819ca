import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeskNotEmptyError, loadDemoDesk } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { agent, analyst, TestDesk } from './support/test-desk';

describe('the demo desk', () => {
  it('fills an empty desk so that every read model has something to show, and refuses a desk in use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'desk-demo-'));
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const desk = await TestDesk.start({ store });
    try {
      const loaded = await loadDemoDesk(store, desk.clock.now());
      expect(loaded.requests).toBe(17);
      await expect(loadDemoDesk(store, desk.clock.now())).rejects.toThrow(DeskNotEmptyError);
      const head = String(await store.headPosition());

      const frontDesk = await desk.expect(200, 'GET', `/queues/front-desk?minPosition=${head}`, { as: agent() });
      expect(frontDesk.items.find((item: { requestId: string }) => item.requestId === 'fd-booking-olga')).toMatchObject({
        audience: 'external',
        blockedBy: [expect.objectContaining({ requestId: 'it-phones' })],
      });
      const blockers = await desk.expect(200, 'GET', '/impact/blockers', { as: analyst });
      expect(blockers.items.slice(0, 2).map((item: { requestId: string }) => item.requestId)).toEqual(['it-switch', 'it-phones']);
      const workloads = await desk.expect(200, 'GET', '/workloads', { as: analyst });
      expect(workloads.departments).toHaveLength(8);
      expect(workloads.departments.find((w: { departmentId: string }) => w.departmentId === 'it').impact.blockedExternalCustomers).toBe(3);
      // The poor rating of the heating repair is followed up in the facilities queue.
      let facilities: { items: { followUpOf?: string }[] } = { items: [] };
      for (let i = 0; i < 200; i++) {
        facilities = await desk.expect(200, 'GET', '/queues/facilities', { as: agent() });
        if (facilities.items.some((item) => item.followUpOf === 'fac-heating')) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(facilities.items.some((item) => item.followUpOf === 'fac-heating')).toBe(true);
      const exported = await desk.call('GET', '/events', { as: analyst });
      const types = new Set(
        exported.raw
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line).type),
      );
      for (const type of [
        'RequestCancelled',
        'RequestReopened',
        'RequestTransferred',
        'RequestEscalated',
        'RequestPriorityChanged',
        'CompensationOffered',
        'SatisfactionRated',
        'RequestPutOnHold',
        'ImpactLinked',
      ]) {
        expect([type, types.has(type)]).toEqual([type, true]);
      }
    } finally {
      await desk.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
