import type { EventStore } from '@desk/event-store';
import { describeSkipped } from '../support/describe-skipped';
import { readWholeLog } from '../support/shared-event-stores';
import { agent, type TestDesk } from '../api/support/test-desk';
import { embeddedDeskIn, ReadOnlyTurningDisk, stopEmbeddedDesk } from './store-outages-support';

/**
 * Issue 17, item 4: an embedded desk whose disk turns read-only under it (ext4 errors=remount-ro, the kernel's own
 * reaction to a failing disk) refuses commands as an outage that says so, keeps answering reads from what it holds,
 * and is not ready; it records nothing and loses nothing it acknowledged.
 */

const PROJECTIONS = ['request-summaries', 'impact-chain', 'directory', 'request-search', 'workload-facts'];

const probe = ReadOnlyTurningDisk.tryMount(64);
probe?.unmount();

if (!probe) {
  describeSkipped('an embedded desk whose disk turns read-only', 'this process may not make and mount an ext4 loop device (not root?)');
} else {
  describe('an embedded desk whose disk turns read-only (ext4 on a loop device, errors=remount-ro)', () => {
    let disk: ReadOnlyTurningDisk;
    let started: Awaited<ReturnType<typeof embeddedDeskIn>>;
    let store: EventStore;
    let desk: TestDesk;

    beforeEach(async () => {
      disk = ReadOnlyTurningDisk.tryMount(64)!;
      started = await embeddedDeskIn(disk.folder('data'));
      ({ store, desk } = started);
    });

    afterEach(async () => {
      await stopEmbeddedDesk(started);
      disk.unmount();
    });

    it('answers commands 503 with Retry-After saying the event store is read-only, reads what it holds, and is not ready', async () => {
      const opened = await desk.expect(201, 'POST', '/requests', {
        as: agent(),
        body: { id: 'before', requesterId: 'carl', departmentId: 'it', subject: 'Before', priority: 'high' },
      });
      expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(opened.position), 10_000)).toBe(true);
      const logged = await readWholeLog(store);

      disk.turnReadOnly();

      const refused = await desk.call('POST', '/requests', {
        as: agent(),
        body: { id: 'after', requesterId: 'carl', departmentId: 'it', subject: 'After', priority: 'high' },
      });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ title: 'Service unavailable', storeFailure: 'read_only' });
      expect(refused.headers['retry-after']).toBe('15');
      expect(refused.body.detail).toMatch(/^the event store refuses writes \(it is read-only\); nothing was recorded/);

      // What the desk holds is still read: the request, and the queue as it stood.
      expect(await desk.expect(200, 'GET', '/requests/before', { as: agent() })).toMatchObject({ requestId: 'before', status: 'new' });
      const queue = await desk.expect(200, 'GET', '/queues/it', { as: agent() });
      expect(queue.items.map((item: { requestId: string }) => item.requestId)).toEqual(['before']);

      const ready = await desk.call('GET', '/health/ready', { as: null });
      expect(ready.status).toBe(503);
      expect(ready.body.detail).toMatch(/the event store cannot take writes: it refuses writes \(it is read-only\)/);

      // Every acknowledged event is in the log, and the refused command is not.
      const now = await readWholeLog(store);
      expect(now.map((event) => event.id)).toEqual(logged.map((event) => event.id));
      expect(now.some((event) => event.streamId === 'request-after')).toBe(false);
    }, 60_000);
  });
}
