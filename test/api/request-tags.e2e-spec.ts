import { agent, analyst, manager, requester, TestDesk } from './support/test-desk';
import { openRequest, seedOrganisation } from './support/org';

/** POST /requests/{id}/tags and DELETE /requests/{id}/tags/{tag}: on the request, in queue and list rows, filterable. */
describe('tags over HTTP', () => {
  let desk: TestDesk;
  beforeEach(async () => {
    desk = await TestDesk.start();
    await seedOrganisation(desk);
    await openRequest(desk, 'r-1');
    await openRequest(desk, 'r-2');
  });
  afterEach(async () => {
    await desk.stop();
  });

  const tag = (id: string, value: unknown, as = agent()) => desk.call('POST', `/requests/${id}/tags`, { as, body: { tag: value } });

  it('shows a tag on the request, in its queue row and its list row, and filters the list by it', async () => {
    expect((await tag('r-1', 'vpn')).status).toBe(200);
    const { position } = (await tag('r-1', 'outage-0312', manager)).body;
    const request = await desk.expect(200, 'GET', '/requests/r-1', { as: agent() });
    expect(request.tags).toEqual(['vpn', 'outage-0312']);
    const queue = await desk.expect(200, 'GET', `/queues/it?minPosition=${position}`, { as: agent() });
    expect(queue.items.map((item: { requestId: string; tags: string[] }) => [item.requestId, item.tags])).toEqual([
      ['r-1', ['vpn', 'outage-0312']],
      ['r-2', []],
    ]);
    const tagged = await desk.expect(200, 'GET', `/requests?tag=vpn&minPosition=${position}`, { as: agent() });
    expect(tagged.items.map((item: { requestId: string }) => item.requestId)).toEqual(['r-1']);
    expect(tagged.items[0].tags).toEqual(['vpn', 'outage-0312']);
  });

  it('records nothing when tagging twice or removing a tag the request does not carry, and answers its revision', async () => {
    const first = await tag('r-1', 'vpn');
    const events = await desk.eventCount();
    const again = await tag('r-1', 'vpn');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const absent = await desk.call('DELETE', '/requests/r-1/tags/laptop', { as: agent() });
    expect(absent.status).toBe(200);
    expect(absent.body.revision).toBe(first.body.revision);
    expect(await desk.eventCount()).toBe(events);
  });

  it('takes a tag off', async () => {
    await tag('r-1', 'vpn');
    await tag('r-1', 'laptop');
    const removed = await desk.expect(200, 'DELETE', '/requests/r-1/tags/vpn', { as: agent() });
    expect((await desk.expect(200, 'GET', '/requests/r-1', { as: agent() })).tags).toEqual(['laptop']);
    const list = await desk.expect(200, 'GET', `/requests?tag=vpn&minPosition=${removed.position}`, { as: agent() });
    expect(list.items).toEqual([]);
  });

  it('tags closed and cancelled requests too', async () => {
    await desk.expect(200, 'POST', '/requests/r-2/cancel', { as: agent(), body: { reason: 'opened twice' } });
    expect((await tag('r-2', 'duplicate')).status).toBe(200);
  });

  it.each([['VPN'], ['two words'], ['vpn--down'], ['a'.repeat(41)], [7], [null]])(
    'refuses the tag %j with a 400 naming it',
    async (value) => {
      const answer = await tag('r-1', value);
      expect(answer.status).toBe(400);
      expect(answer.body.errors.map((error: { field: string }) => error.field)).toEqual(['tag']);
    },
  );

  it('refuses a malformed tag in the path with a 400 naming it', async () => {
    const answer = await desk.call('DELETE', '/requests/r-1/tags/Not%20A%20Tag', { as: agent() });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error: { field: string }) => error.field)).toEqual(['tag']);
  });

  it('refuses a 21st tag with a 409 that says to remove one', async () => {
    for (let index = 0; index < 20; index++) expect((await tag('r-1', `t${index}`)).status).toBe(200);
    const answer = await tag('r-1', 'one-more');
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toContain('it already carries 20 tags, the most a request may; remove one first');
  });

  it('is for agents and managers; an unknown request is a 404', async () => {
    expect((await tag('r-1', 'vpn', requester('anna'))).status).toBe(403);
    expect((await tag('r-1', 'vpn', analyst)).status).toBe(403);
    expect((await desk.call('DELETE', '/requests/r-1/tags/vpn', { as: requester('anna') })).status).toBe(403);
    expect((await tag('nope', 'vpn')).status).toBe(404);
  });

  it("keeps tags out of a requester's list rows", async () => {
    const { position } = (await tag('r-1', 'vip')).body;
    const mine = await desk.expect(200, 'GET', `/requests?minPosition=${position}`, { as: requester('anna') });
    expect(mine.items.map((item: { requestId: string }) => item.requestId).sort()).toEqual(['r-1', 'r-2']);
    for (const item of mine.items) expect(item).not.toHaveProperty('tags');
  });
});
