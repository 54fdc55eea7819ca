import { TestDesk, agent, manager, requester } from './support/test-desk';
import { openRequest, seedOrganisation } from './support/org';

/** Identical live queue and workload queries within READ_CACHE_MS share one answer; read-your-writes and asOf never do. */
describe('live queries sharing one answer', () => {
  let desk: TestDesk;

  afterEach(async () => {
    await desk?.stop();
  });

  async function caughtUp(position: string): Promise<void> {
    expect(await desk.readSide.waitFor(['request-summaries', 'impact-chain'], BigInt(position), 5000)).toBe(true);
  }

  it('answers the same queue page within the window, a fresh one after it, and always a fresh one to minPosition', async () => {
    desk = await TestDesk.start({ env: { READ_CACHE_MS: '600' } });
    await seedOrganisation(desk);
    await caughtUp((await openRequest(desk, 'first')).position);
    const before = await desk.expect(200, 'GET', '/queues/it', { as: agent() });
    expect(before.items.map((item: { requestId: string }) => item.requestId)).toEqual(['first']);

    const { position } = await openRequest(desk, 'second');
    await caughtUp(position);
    const shared = await desk.expect(200, 'GET', '/queues/it', { as: agent('agent-2') });
    expect(shared).toEqual(before);
    const fresh = await desk.expect(200, 'GET', `/queues/it?minPosition=${position}`, { as: agent() });
    expect(fresh.items.map((item: { requestId: string }) => item.requestId).sort()).toEqual(['first', 'second']);
    const viaHeader = await desk.expect(200, 'GET', '/queues/it', { as: agent(), headers: { 'x-min-position': position } });
    expect(viaHeader.items).toHaveLength(2);
    // Another page shape is another answer.
    expect((await desk.expect(200, 'GET', '/queues/it?limit=10', { as: agent() })).items).toHaveLength(2);

    await new Promise((resolve) => setTimeout(resolve, 650));
    expect((await desk.expect(200, 'GET', '/queues/it', { as: agent() })).items).toHaveLength(2);
  });

  it('never shares a refusal: an unknown department is a 404 each time, and the role check comes before any sharing', async () => {
    desk = await TestDesk.start({ env: { READ_CACHE_MS: '60000' } });
    await seedOrganisation(desk);
    expect((await desk.call('GET', '/queues/nowhere', { as: agent() })).status).toBe(404);
    await caughtUp((await desk.expect(201, 'POST', '/departments', { body: { id: 'nowhere', name: 'Nowhere' } })).position);
    expect((await desk.call('GET', '/queues/nowhere', { as: agent() })).status).toBe(200);
    await desk.expect(200, 'GET', '/departments/it/workload', { as: manager });
    expect((await desk.call('GET', '/departments/it/workload', { as: requester('anna') })).status).toBe(403);
  });

  it('answers every query afresh when READ_CACHE_MS is 0', async () => {
    desk = await TestDesk.start({ env: { READ_CACHE_MS: '0' } });
    await seedOrganisation(desk);
    await caughtUp((await openRequest(desk, 'first')).position);
    await desk.expect(200, 'GET', '/queues/it', { as: agent() });
    await caughtUp((await openRequest(desk, 'second')).position);
    expect((await desk.expect(200, 'GET', '/queues/it', { as: agent() })).items).toHaveLength(2);
  });
});
