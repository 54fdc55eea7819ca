import { impactBlockers, impactChain, ImpactChainProjection, replayUntil } from '@desk/read-models';
import { openRequest, seedOrganisation } from './support/org';
import { agent, analyst, TestDesk } from './support/test-desk';

type Member = { requestId: string; depth: number; blocking: boolean };
type Blocker = { requestId: string; blocksExternalRequests: number };

/**
 * IT's network (Carl's) blocks the reception's phones (Anna's, customer-facing), which block Bob's appointment at
 * the front desk. The phones stop blocking the appointment at 09:40, the network is fixed at 10:00; then an older
 * fact is recorded: at 09:20 the appointment had become critical.
 */
async function outage(desk: TestDesk): Promise<string> {
  await seedOrganisation(desk);
  await openRequest(desk, 'it-net', { requesterId: 'carl', priority: 'medium' }); // 09:00Z
  await openRequest(desk, 'it-phones', { requesterId: 'anna', priority: 'medium' });
  desk.clock.advanceMinutes(5);
  await openRequest(desk, 'appt', { requesterId: 'bob', departmentId: 'front-desk', priority: 'high' });
  desk.clock.advanceMinutes(5);
  await desk.expect(201, 'POST', '/requests/it-phones/impacts', { as: agent(), body: { effectRequestId: 'appt', relation: 'blocks' } });
  await desk.expect(201, 'POST', '/requests/it-net/impacts', { as: agent(), body: { effectRequestId: 'it-phones', relation: 'blocks' } });
  desk.clock.advanceMinutes(30); // 09:40
  await desk.expect(200, 'DELETE', '/requests/it-phones/impacts/appt', { as: agent() });
  desk.clock.advanceMinutes(20); // 10:00
  await desk.expect(200, 'POST', '/requests/it-net/assign', { as: agent(), body: { agentId: agent().sub } });
  await desk.expect(200, 'POST', '/requests/it-net/start', { as: agent() });
  await desk.expect(200, 'POST', '/requests/it-net/resolve', { as: agent(), body: { resolution: 'new switch' } });
  desk.clock.advanceMinutes(-40); // 09:20, recorded last
  const { position } = await desk.expect(200, 'POST', '/requests/appt/priority', {
    as: agent(),
    body: { priority: 'critical', reason: 'surgery today' },
  });
  return position;
}

describe('impact chain and blockers as of a time, over HTTP', () => {
  let desk: TestDesk;
  beforeEach(async () => {
    desk = await TestDesk.start();
  });
  afterEach(async () => {
    await desk.stop();
  });

  it('answers from the chain’s history as it stood then, an older fact recorded last included from its own time on', async () => {
    const position = await outage(desk);
    const at = (iso: string) => `asOf=${iso}&minPosition=${position}`;

    const before = await desk.expect(200, 'GET', `/impact/requests/it-net?${at('2026-03-02T09:15:00Z')}`, { as: analyst });
    expect(before).toMatchObject({ request: { effectivePriority: 'high', open: true }, externalRequestsAffected: 1, blocksRequests: 2 });
    expect(before.effects.map((e: Member) => [e.requestId, e.depth, e.blocking])).toEqual([
      ['it-phones', 1, true],
      ['appt', 2, true],
    ]);
    // From 09:20 the appointment is critical, and so is everything that blocks it.
    const critical = await desk.expect(200, 'GET', `/impact/requests/it-net?${at('2026-03-02T09:30:00Z')}`, { as: analyst });
    expect(critical).toMatchObject({ request: { effectivePriority: 'critical' } });
    const unlinked = await desk.expect(200, 'GET', `/impact/requests/it-net?${at('2026-03-02T09:50:00Z')}`, { as: analyst });
    expect(unlinked).toMatchObject({ request: { effectivePriority: 'medium' }, externalRequestsAffected: 0, blocksRequests: 1 });
    const fixed = await desk.expect(200, 'GET', `/impact/requests/it-net?${at('2026-03-02T10:30:00Z')}`, { as: analyst });
    expect(fixed).toMatchObject({ request: { status: 'resolved', open: false }, blocksRequests: 0 });
    expect((await desk.call('GET', `/impact/requests/appt?${at('2026-03-02T09:04:00Z')}`, { as: analyst })).status).toBe(404);

    const blockers = await desk.expect(200, 'GET', `/impact/blockers?${at('2026-03-02T09:15:00Z')}`, { as: analyst });
    expect(blockers.items.map((b: Blocker) => [b.requestId, b.blocksExternalRequests])).toEqual([
      ['it-net', 1],
      ['it-phones', 1],
    ]);
    const firstPage = await desk.expect(200, 'GET', `/impact/blockers?limit=1&${at('2026-03-02T09:15:00Z')}`, { as: analyst });
    const secondPage = await desk.expect(
      200,
      'GET',
      `/impact/blockers?limit=1&cursor=${firstPage.nextCursor}&${at('2026-03-02T09:15:00Z')}`,
      {
        as: analyst,
      },
    );
    expect([...firstPage.items, ...secondPage.items]).toEqual(blockers.items);
    expect(secondPage.nextCursor).toBeNull();
    // After the fix only the phones are left, exposed through the reception; the live answer says the same.
    const after = await desk.expect(200, 'GET', `/impact/blockers?${at('2026-03-02T10:30:00Z')}`, { as: analyst });
    expect(after.items.map((b: Blocker) => b.requestId)).toEqual(['it-phones']);
    const live = await desk.expect(200, 'GET', `/impact/blockers?minPosition=${position}`, { as: analyst });
    expect(live.items).toEqual(after.items);
    expect((await desk.call('GET', `/impact/blockers?cursor=abc&${at('2026-03-02T09:15:00Z')}`, { as: analyst })).status).toBe(400);
  });

  it('gives the answers a replay of the log up to the time gives', async () => {
    const position = await outage(desk);
    for (const iso of [
      '2026-03-02T09:05:00.000Z',
      '2026-03-02T09:10:00.000Z',
      '2026-03-02T09:25:00.000Z',
      '2026-03-02T09:45:00.000Z',
      '2026-03-02T11:00:00.000Z',
    ]) {
      const replay = await replayUntil(desk.store, new Date(iso), [new ImpactChainProjection()]);
      try {
        for (const id of ['it-net', 'it-phones', 'appt']) {
          const answer = await desk.call('GET', `/impact/requests/${id}?asOf=${iso}&minPosition=${position}`, { as: analyst });
          expect({ iso, id, body: answer.body }).toEqual({
            iso,
            id,
            body: JSON.parse(JSON.stringify(await impactChain(replay.reader, id))),
          });
        }
        const blockers = await desk.expect(200, 'GET', `/impact/blockers?asOf=${iso}&minPosition=${position}`, { as: analyst });
        expect({ iso, blockers }).toEqual({
          iso,
          blockers: JSON.parse(JSON.stringify(await impactBlockers(replay.reader, { limit: 50 }))),
        });
      } finally {
        await replay.close();
      }
    }
  });
});
