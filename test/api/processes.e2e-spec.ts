import { createEventStore, type EventStore } from '@desk/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWholeLog } from '../support/shared-event-stores';
import { seedOrganisation } from './support/org';
import { agent, analyst, requester, TestClock, TestDesk } from './support/test-desk';

/** The fields of a queue item that these specs compare. */
type QueueItem = { requestId: string; followUpOf?: string; sla: { state: string; firstResponse: { state: string } } };

async function eventsOfType(store: EventStore, type: string): Promise<{ streamId: string; data: Record<string, unknown> }[]> {
  return (await readWholeLog(store)).filter((event) => event.type === type).map(({ streamId, data }) => ({ streamId, data }));
}

async function caughtUp(desk: TestDesk, position: string, projections = ['request-summaries', 'impact-chain', 'satisfaction-follow-up']) {
  expect(await desk.readSide.waitFor(projections, BigInt(position), 5000)).toBe(true);
}

/** Polls a query until it satisfies the check: for effects of processes, whose positions the client does not know. */
async function eventually<T>(query: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await query();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('processes driven by the log, with two projector processes on one event store', () => {
  let dataDir: string;
  let store: EventStore;
  let clock: TestClock;
  let first: TestDesk;
  let second: TestDesk;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-processes-'));
    store = await createEventStore({ dataDir });
    clock = new TestClock();
    // Each has its own read models and runs its own projections, SLA watch and follow-up process.
    first = await TestDesk.start({ store, clock });
    second = await TestDesk.start({ store, clock });
    await seedOrganisation(first);
  });

  afterEach(async () => {
    await first.stop();
    await second.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records one SlaBreached per target and request however many watchers notice it', async () => {
    // IT, internal, high: first response due in 30 minutes, resolution in 480.
    await first.expect(201, 'POST', '/requests', {
      as: agent(),
      body: { id: 'late', requesterId: 'carl', departmentId: 'it', subject: 'Printer on fire', priority: 'high' },
    });
    await first.expect(201, 'POST', '/requests', {
      as: agent(),
      body: { id: 'answered', requesterId: 'carl', departmentId: 'it', subject: 'VPN', priority: 'high' },
    });
    clock.advanceMinutes(10);
    const { position } = await first.expect(201, 'POST', '/requests/answered/comments', {
      as: agent(),
      body: { body: 'On it', visibility: 'public' },
    });
    await caughtUp(first, position);
    await caughtUp(second, position);

    clock.advanceMinutes(25);
    const ticks = await Promise.all([first.readSide.slaWatch!.tickOnce(), second.readSide.slaWatch!.tickOnce()]);
    expect(ticks.map((tick) => tick.candidates)).toEqual([1, 1]);
    let breaches = await eventsOfType(store, 'SlaBreached');
    expect(breaches.map((b) => [b.streamId, b.data.target, b.data.dueAt])).toEqual([
      ['request-late', 'first_response', '2026-03-02T09:30:00.000Z'],
    ]);

    clock.advanceMinutes(8 * 60);
    await Promise.all([first.readSide.slaWatch!.tickOnce(), second.readSide.slaWatch!.tickOnce(), first.readSide.slaWatch!.tickOnce()]);
    await Promise.all([first.readSide.slaWatch!.tickOnce(), second.readSide.slaWatch!.tickOnce()]);
    breaches = await eventsOfType(store, 'SlaBreached');
    expect(breaches.map((b) => [b.streamId, b.data.target]).sort()).toEqual([
      ['request-answered', 'resolution'],
      ['request-late', 'first_response'],
      ['request-late', 'resolution'],
    ]);

    const queue = await eventually(
      () => first.expect(200, 'GET', '/queues/it', { as: agent() }),
      (page) => page.items.every((item: QueueItem) => item.sla.state === 'breached'),
    );
    expect(queue.items.map((item: QueueItem) => [item.requestId, item.sla.state, item.sla.firstResponse.state])).toEqual([
      ['late', 'breached', 'breached'],
      ['answered', 'breached', 'met'],
    ]);
    const workload = await eventually(
      () => first.expect(200, 'GET', '/departments/it/workload', { as: analyst }),
      (w) => w.sla.internal.resolution.breached === 2,
    );
    expect(workload.sla.internal).toEqual({
      firstResponse: { met: 1, breached: 1, compliance: 0.5 },
      resolution: { met: 0, breached: 2, compliance: 0 },
    });
  });

  it('records a breach that happened before a hold stopped the clock, and a late resolution no watcher saw in time', async () => {
    for (const id of ['held', 'fixed']) {
      await first.expect(201, 'POST', '/requests', {
        as: agent(),
        body: { id, requesterId: 'carl', departmentId: 'it', subject: `Request ${id}`, priority: 'high' },
      });
      await first.expect(201, 'POST', `/requests/${id}/comments`, { as: agent(), body: { body: 'Looking', visibility: 'public' } });
      await first.expect(200, 'POST', `/requests/${id}/assign`, { as: agent(), body: { agentId: agent().sub } });
      await first.expect(200, 'POST', `/requests/${id}/start`, { as: agent() });
    }
    // Resolution due 17:00 (480 minutes, every minute counts in IT).
    clock.advanceMinutes(8 * 60 + 30);
    await first.expect(200, 'POST', '/requests/held/hold', { as: agent(), body: { reason: 'awaiting_requester' } });
    const { position } = await first.expect(200, 'POST', '/requests/fixed/resolve', { as: agent(), body: { resolution: 'late' } });
    await caughtUp(first, position);
    clock.advanceMinutes(60);

    const tick = await first.readSide.slaWatch!.tickOnce();
    expect(tick).toEqual({ candidates: 2, accepted: 2 });
    const breaches = await eventsOfType(store, 'SlaBreached');
    expect(breaches.map((b) => [b.streamId, b.data.target, b.data.dueAt]).sort()).toEqual([
      ['request-fixed', 'resolution', '2026-03-02T17:00:00.000Z'],
      ['request-held', 'resolution', '2026-03-02T17:00:00.000Z'],
    ]);
  });

  it('follows up a poor rating with one request in the department’s queue, and counts the loop closed when it is resolved', async () => {
    for (const id of ['poor', 'fine']) {
      await first.expect(201, 'POST', '/requests', {
        as: agent(),
        body: { id, requesterId: 'carl', departmentId: 'it', subject: `Request ${id}`, priority: 'high' },
      });
      await first.expect(200, 'POST', `/requests/${id}/assign`, { as: agent(), body: { agentId: agent().sub } });
      await first.expect(200, 'POST', `/requests/${id}/start`, { as: agent() });
      await first.expect(200, 'POST', `/requests/${id}/resolve`, { as: agent(), body: { resolution: 'done' } });
    }
    await first.expect(200, 'POST', '/requests/fine/satisfaction', { as: requester('carl'), body: { score: 4 } });
    await first.expect(200, 'POST', '/requests/poor/satisfaction', {
      as: requester('carl'),
      body: { score: 2, comment: 'took all day' },
    });

    const workload = await eventually(
      () => first.expect(200, 'GET', '/departments/it/workload', { as: analyst }),
      (w) => w.satisfaction.followUps.open === 1,
    );
    expect(workload.satisfaction).toEqual({
      internal: { ratings: 2, mean: 3 },
      external: { ratings: 0, mean: null },
      poorRatings: 1,
      followUps: { awaiting: 0, open: 1, done: 0 },
    });
    const opened = await eventsOfType(store, 'RequestOpened');
    const followUps = opened.filter((event) => event.data.followUpOf);
    expect(followUps).toHaveLength(1);
    expect(followUps[0].data).toMatchObject({
      followUpOf: 'poor',
      requesterId: 'carl',
      departmentId: 'it',
      category: 'satisfaction-follow-up',
      description: 'took all day',
    });

    const followUpId = followUps[0].data.requestId;
    const queue = await first.expect(200, 'GET', '/queues/it', { as: agent() });
    expect(queue.items.map((item: QueueItem) => [item.requestId, item.followUpOf])).toEqual([[followUpId, 'poor']]);

    await first.expect(200, 'POST', `/requests/${followUpId}/assign`, { as: agent(), body: { agentId: agent().sub } });
    await first.expect(200, 'POST', `/requests/${followUpId}/start`, { as: agent() });
    const { position } = await first.expect(200, 'POST', `/requests/${followUpId}/resolve`, {
      as: agent(),
      body: { resolution: 'called Carl, apologised, explained the delay' },
    });
    const closed = await first.expect(200, 'GET', `/departments/it/workload?minPosition=${position}`, { as: analyst });
    expect(closed.satisfaction.followUps).toEqual({ awaiting: 0, open: 0, done: 1 });
    expect((await eventsOfType(store, 'RequestOpened')).filter((event) => event.data.followUpOf)).toHaveLength(1);
  });
});
