import { agent, requester, TestDesk, type Caller } from './support/test-desk';
import { openRequest, seedOrganisation } from './support/org';
import { changeCheckOf, ChangeFollower, rawStream, waitUntil, type ChangeCheck } from './changes-support';

/**
 * GET /changes over real HTTP (the desk listening on a port), followed by a real EventSource client: what a console
 * and a portal see, resumed with Last-Event-ID, filtered, isolated per requester, bounded per subject, kept alive.
 */
describe('GET /changes', () => {
  let desk: TestDesk;
  let base: string;
  let check: ChangeCheck;
  const followers: ChangeFollower[] = [];

  async function start(env: Record<string, string> = {}): Promise<void> {
    desk = await TestDesk.start({ env: { RATE_LIMIT_PER_MINUTE: '0', ...env } });
    await seedOrganisation(desk);
    await desk.app.listen(0, '127.0.0.1');
    base = await desk.app.getUrl();
    check = changeCheckOf((await desk.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/openapi.json' })).body);
  }

  function follow(query: string, as: Caller = agent()): ChangeFollower {
    const follower = new ChangeFollower(`${base.replace('[::1]', '127.0.0.1')}/changes${query}`, desk.token(as.sub, as.role), { check });
    followers.push(follower);
    return follower;
  }

  const assign = (id: string, agentId = agent().sub) =>
    desk.expect(200, 'POST', `/requests/${id}/assign`, { as: agent(agentId), body: { agentId } });
  const resolve = (id: string, agentId = agent().sub) =>
    desk.expect(200, 'POST', `/requests/${id}/resolve`, { as: agent(agentId), body: { resolution: 'fixed' } });

  afterEach(async () => {
    for (const follower of followers.splice(0)) follower.close();
    await desk?.stop();
  });

  describe('with the defaults', () => {
    beforeEach(() => start());

    it('shows a console following a department an open, an assign and a resolve, in order, each with the log position as its id', async () => {
      const console = follow('?departmentId=it');
      await console.opened();
      const opened = await openRequest(desk, 'phones');
      const assigned = await assign('phones');
      const resolved = await resolve('phones');
      const changes = await console.received(3);
      expect(changes.map((change) => [change.id, change.requestId, change.eventType, change.status])).toEqual([
        [opened.position, 'phones', 'RequestOpened', 'new'],
        [assigned.position, 'phones', 'RequestAssigned', 'assigned'],
        [resolved.position, 'phones', 'RequestResolved', 'resolved'],
      ]);
      expect(changes[0]).toMatchObject({ position: opened.position, revision: '0', departmentId: 'it' });
      expect(changes[0].changes).toMatchObject({ subject: { from: null, to: 'Request phones' }, priority: { from: null, to: 'high' } });
      expect(changes[1].changes).toEqual({ status: { from: 'new', to: 'assigned' }, assigneeId: { from: null, to: agent().sub } });
      expect(changes[2].changes).toMatchObject({ status: { from: 'assigned', to: 'resolved' } });
      expect(changes[2].changes.resolvedAt.to).toEqual(expect.any(String));
    });

    it('resumes after the id given as lastEventId: every change missed, none twice; from 0, the whole history', async () => {
      const first = follow('?departmentId=it');
      await first.opened();
      await openRequest(desk, 'a');
      await assign('a');
      const [opened] = await first.received(2);
      first.close();
      await openRequest(desk, 'b');
      await resolve('a');
      const resumed = follow(`?departmentId=it&lastEventId=${opened.id}`);
      const got = await resumed.received(3);
      expect(got.map((change) => [change.requestId, change.eventType])).toEqual([
        ['a', 'RequestAssigned'],
        ['b', 'RequestOpened'],
        ['a', 'RequestResolved'],
      ]);
      await assign('b');
      await resumed.received(4);
      await new Promise((wait) => setTimeout(wait, 200));
      expect(resumed.changes.map((change) => change.eventType)).toEqual([
        'RequestAssigned',
        'RequestOpened',
        'RequestResolved',
        'RequestAssigned',
      ]);
      const all = follow('?lastEventId=0');
      const history = await all.received(5);
      expect(history.map((change) => change.id)).toEqual([opened.id, ...resumed.changes.map((change) => change.id)]);
    });

    it('lets the Last-Event-ID header win over lastEventId (an EventSource reconnecting keeps its first URL)', async () => {
      const a = await openRequest(desk, 'a');
      const b = await openRequest(desk, 'b');
      const stream = await rawStream(`${base}/changes?lastEventId=0`, {
        authorization: `Bearer ${desk.token(agent().sub, 'agent')}`,
        'last-event-id': a.position,
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('cache-control')).toBe('no-cache, no-transform');
      expect(stream.headers.get('x-correlation-id')).toEqual(expect.any(String));
      await waitUntil(() => stream.text().includes(`id: ${b.position}\n`), 5000, 'the change of b');
      expect(stream.text()).not.toContain(`id: ${a.position}\n`);
      expect(stream.text()).toMatch(/^retry: 2000\n: changes after \d+\n\n/);
      stream.close();
    });

    it('filters by request, by several departments, and by the agent’s own work (mine=true)', async () => {
      const onlyB = follow('?requestId=b');
      const both = follow('?departmentId=front-desk,it');
      const frontDesk = follow('?departmentId=front-desk');
      const mine = follow('?mine=true', agent('agent-2'));
      for (const follower of [onlyB, both, frontDesk, mine]) await follower.opened();
      await openRequest(desk, 'a');
      await openRequest(desk, 'b', { departmentId: 'front-desk' });
      await assign('a', 'agent-2');
      await assign('b');
      await resolve('a', 'agent-2');
      await both.received(5);
      await onlyB.received(2);
      await mine.received(2);
      await new Promise((wait) => setTimeout(wait, 200));
      expect(onlyB.changes.map((change) => [change.requestId, change.eventType])).toEqual([
        ['b', 'RequestOpened'],
        ['b', 'RequestAssigned'],
      ]);
      expect(frontDesk.changes.map((change) => change.requestId)).toEqual(['b', 'b']);
      expect(both.changes.map((change) => change.requestId)).toEqual(['a', 'b', 'a', 'b', 'a']);
      expect(mine.changes.map((change) => [change.requestId, change.eventType])).toEqual([
        ['a', 'RequestAssigned'],
        ['a', 'RequestResolved'],
      ]);
    });

    it('sees a request leave a department it follows (a transfer names where it went)', async () => {
      const it = follow('?departmentId=it');
      await it.opened();
      await openRequest(desk, 'a');
      await desk.expect(200, 'POST', '/requests/a/transfer', { as: agent(), body: { departmentId: 'front-desk', reason: 'theirs' } });
      const [, transferred] = await it.received(2);
      expect(transferred).toMatchObject({ eventType: 'RequestTransferred', departmentId: 'front-desk' });
      expect(transferred.changes.departmentId).toEqual({ from: 'it', to: 'front-desk' });
    });

    it('gives a requester only changes to their own requests, only with what they may see, whatever they filter on', async () => {
      const anna = follow('', requester('anna'));
      const annaAsksForBob = follow('?requestId=bobs&mine=false', requester('anna'));
      const bob = follow('?departmentId=it', requester('bob'));
      for (const follower of [anna, annaAsksForBob, bob]) await follower.opened();
      await openRequest(desk, 'annas');
      await openRequest(desk, 'bobs', { requesterId: 'bob', departmentId: 'front-desk' });
      await assign('annas');
      await desk.expect(200, 'POST', '/requests/annas/escalate', { as: agent(), body: { reason: 'needs L2, staff only' } });
      await assign('bobs');
      await resolve('annas');
      await anna.received(3);
      await bob.received(0);
      await new Promise((wait) => setTimeout(wait, 300));
      expect(anna.changes.map((change) => [change.requestId, change.eventType])).toEqual([
        ['annas', 'RequestOpened'],
        ['annas', 'RequestAssigned'],
        ['annas', 'RequestResolved'],
      ]);
      // The escalation changed only the tier: staff's business, so no event at all.
      for (const change of anna.changes) {
        expect(change.revision).toBeNull();
        for (const hidden of ['tier', 'audience', 'requesterKind', 'exposedToExternal']) expect(change.changes).not.toHaveProperty(hidden);
      }
      expect(annaAsksForBob.changes).toEqual([]);
      // Bob follows IT, but his request is at the front desk; anna's are not his.
      expect(bob.changes).toEqual([]);
    });

    it('shows staff a tag added and removed and a hold’s reason and note; a requester the hold’s reason only, and nothing of tags', async () => {
      const console = follow('?requestId=annas');
      const anna = follow('', requester('anna'));
      for (const follower of [console, anna]) await follower.opened();
      await openRequest(desk, 'annas');
      await assign('annas');
      await desk.expect(200, 'POST', '/requests/annas/tags', { as: agent(), body: { tag: 'vpn' } });
      await desk.expect(200, 'POST', '/requests/annas/hold', {
        as: agent(),
        body: { reason: 'awaiting_third_party', note: 'vendor ticket 4411, staff only' },
      });
      await desk.expect(200, 'DELETE', '/requests/annas/tags/vpn', { as: agent() });
      await desk.expect(200, 'POST', '/requests/annas/resume', { as: agent(), body: {} });
      const staff = await console.received(6);
      expect(staff.map((change) => change.eventType)).toEqual([
        'RequestOpened',
        'RequestAssigned',
        'RequestTagged',
        'RequestPutOnHold',
        'RequestUntagged',
        'RequestResumed',
      ]);
      expect(staff[2].changes).toEqual({ tags: { from: [], to: ['vpn'] } });
      expect(staff[3].changes).toMatchObject({
        status: { from: 'assigned', to: 'on_hold' },
        holdReason: { from: null, to: 'awaiting_third_party' },
        holdNote: { from: null, to: 'vendor ticket 4411, staff only' },
        heldAt: { from: null, to: expect.any(String) },
      });
      expect(staff[4].changes).toEqual({ tags: { from: ['vpn'], to: [] } });
      expect(staff[5].changes).toMatchObject({ holdReason: { from: 'awaiting_third_party', to: null }, holdNote: { to: null } });
      const own = await anna.received(4);
      await new Promise((wait) => setTimeout(wait, 200));
      expect(own.map((change) => change.eventType)).toEqual(['RequestOpened', 'RequestAssigned', 'RequestPutOnHold', 'RequestResumed']);
      expect(own[2].changes).toEqual({
        status: { from: 'assigned', to: 'on_hold' },
        holdReason: { from: null, to: 'awaiting_third_party' },
        heldAt: staff[3].changes.heldAt,
      });
      expect(JSON.stringify(own)).not.toMatch(/vendor ticket|holdNote|"tags"/);
    });

    it('answers 400 naming the parameter for bad filters and ids, and 401 without a token', async () => {
      const cases: [string, Record<string, string>, string][] = [
        ['/changes?departmentId=it,,hr', {}, 'departmentId'],
        ['/changes?departmentId=it%20hr', {}, 'departmentId'],
        ['/changes?requestId=-bad', {}, 'requestId'],
        ['/changes?mine=yes', {}, 'mine'],
        ['/changes?lastEventId=abc', {}, 'lastEventId'],
        ['/changes?lastEventId=123456789012345678901', {}, 'lastEventId'],
        ['/changes?lastEventId=12:', {}, 'lastEventId'],
        ['/changes', { 'last-event-id': 'abc' }, 'Last-Event-ID'],
        ['/changes', { 'last-event-id': '-5' }, 'Last-Event-ID'],
        ['/changes?limit=5', {}, 'limit'],
      ];
      for (const [url, headers, field] of cases) {
        const answer = await desk.call('GET', url, { as: agent(), headers });
        expect({ url, status: answer.status, type: answer.headers['content-type'] }).toEqual({
          url,
          status: 400,
          type: 'application/problem+json; charset=utf-8',
        });
        expect(answer.body.errors.map((error: { field: string }) => error.field)).toContain(field);
      }
      expect((await desk.call('GET', '/changes', { as: null })).status).toBe(401);
    });
  });

  it('holds at most CHANGES_STREAMS_PER_SUBJECT streams per subject, and CHANGES_STREAMS_MAX in all, with a 429 problem beyond', async () => {
    await start({ CHANGES_STREAMS_PER_SUBJECT: '2', CHANGES_STREAMS_MAX: '3' });
    const token = `Bearer ${desk.token(agent().sub, 'agent')}`;
    const one = await rawStream(`${base}/changes`, { authorization: token });
    const two = await rawStream(`${base}/changes`, { authorization: token });
    const three = await rawStream(`${base}/changes`, { authorization: token });
    expect([one.status, two.status, three.status]).toEqual([200, 200, 429]);
    await three.ended;
    expect(JSON.parse(three.text())).toMatchObject({
      status: 429,
      title: 'Too many requests',
      detail: `${agent().sub} already has 2 change streams open, the most one caller may hold (CHANGES_STREAMS_PER_SUBJECT); close one first`,
    });
    // Another subject still gets one, up to the server's bound.
    const other = await rawStream(`${base}/changes`, { authorization: `Bearer ${desk.token('agent-2', 'agent')}` });
    expect(other.status).toBe(200);
    const beyond = await rawStream(`${base}/changes`, { authorization: `Bearer ${desk.token('agent-3', 'agent')}` });
    expect(beyond.status).toBe(429);
    await beyond.ended;
    expect(JSON.parse(beyond.text()).detail).toMatch(/3 change streams are open, the most this server holds \(CHANGES_STREAMS_MAX\)/);
    // A stream closed gives its place back.
    one.close();
    let again: Awaited<ReturnType<typeof rawStream>> | undefined;
    for (let attempt = 0; attempt < 50 && again?.status !== 200; attempt++) {
      again?.close();
      again = await rawStream(`${base}/changes`, { authorization: token });
      if (again.status !== 200) await new Promise((wait) => setTimeout(wait, 50));
    }
    expect(again!.status).toBe(200);
    for (const stream of [two, other, again!]) stream.close();
  });

  it('sends keep-alive comments while idle, and keeps a stream past the time a request may take to arrive', async () => {
    await start({ CHANGES_KEEP_ALIVE_MS: '200', REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '1000', CONNECTION_TIMEOUT_MS: '1500' });
    const stream = await rawStream(`${base}/changes`, { authorization: `Bearer ${desk.token(agent().sub, 'agent')}` });
    await waitUntil(() => (stream.text().match(/: keep-alive\n\n/g) ?? []).length >= 3, 5000, 'three keep-alives');
    // Past the request timeout (1 s) and the silence that closes a connection (1.5 s, kept off by the keep-alives).
    await new Promise((wait) => setTimeout(wait, 2500));
    const opened = await openRequest(desk, 'late');
    await waitUntil(() => stream.text().includes(`id: ${opened.position}\n`), 5000, 'the change after 2.5 s');
    stream.close();
  });

  it('ends every stream when the API shuts down, without holding the shutdown, and refuses none before', async () => {
    await start();
    const follower = follow('');
    await follower.opened();
    const stream = await rawStream(`${base}/changes`, { authorization: `Bearer ${desk.token('agent-2', 'agent')}` });
    const started = Date.now();
    await desk.app.close();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(5000);
    follower.close();
    desk = await TestDesk.start();
  });
});
