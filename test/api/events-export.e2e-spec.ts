import { randomUUID } from 'node:crypto';
import { openRequest, seedOrganisation } from './support/org';
import { agent, analyst, manager, operator, requester, TestDesk } from './support/test-desk';

const lines = (raw: string) =>
  raw
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('GET /events', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await TestDesk.start();
    await seedOrganisation(desk);
    await openRequest(desk, 'early');
    desk.clock.advanceMinutes(120);
    await openRequest(desk, 'late', { requesterId: 'bob', departmentId: 'front-desk' });
    await desk.expect(201, 'POST', '/requests/late/comments', { as: agent(), body: { body: 'hello', visibility: 'public' } });
  });
  afterAll(async () => {
    await desk.stop();
  });

  it('streams the whole log as NDJSON, in position order, to analysts', async () => {
    const answer = await desk.call('GET', '/events', { as: analyst });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const events = lines(answer.raw);
    expect(events).toHaveLength(await desk.eventCount());
    expect(events.map((event) => Number(event.position))).toEqual(events.map((_, index) => index + 1));
    expect(events[0]).toMatchObject({
      position: '1',
      streamId: 'department-it',
      revision: '0',
      type: 'DepartmentRegistered',
      data: { name: 'IT' },
    });
    expect(events[0].metadata).toMatchObject({ actor: manager.sub, schemaVersion: 1, correlationId: expect.any(String) });
  });

  it('filters by type, stream prefix, position, business time and count', async () => {
    const opened = lines((await desk.call('GET', '/events?types=RequestOpened', { as: analyst })).raw);
    expect(opened.map((event) => event.data.requestId)).toEqual(['early', 'late']);
    const departments = lines((await desk.call('GET', '/events?streamPrefix=department-', { as: analyst })).raw);
    expect(new Set(departments.map((event) => event.type))).toEqual(new Set(['DepartmentRegistered', 'ServiceStandardPublished']));
    const all = lines((await desk.call('GET', '/events', { as: analyst })).raw);
    const tail = lines((await desk.call('GET', `/events?after=${all[all.length - 3].position}`, { as: analyst })).raw);
    expect(tail.map((event) => event.position)).toEqual(all.slice(-2).map((event) => event.position));
    const lateOnes = lines((await desk.call('GET', '/events?from=2026-03-02T10:00:00Z', { as: analyst })).raw);
    expect(lateOnes.map((event) => event.type)).toEqual(['RequestOpened', 'CommentAdded', 'FirstResponseGiven']);
    const beforeTen = lines(
      (await desk.call('GET', '/events?to=2026-03-02T10:00:00Z&types=RequestOpened,CommentAdded', { as: analyst })).raw,
    );
    expect(beforeTen.map((event) => event.data.requestId)).toEqual(['early']);
    expect(lines((await desk.call('GET', '/events?limit=2', { as: analyst })).raw)).toHaveLength(2);
    expect((await desk.call('GET', `/events?after=${all[all.length - 1].position}`, { as: analyst })).raw).toBe('');
  });

  it('is for analysts only, and refuses bad filters', async () => {
    for (const as of [agent(), manager, requester('anna'), operator]) {
      expect((await desk.call('GET', '/events', { as })).status).toBe(403);
    }
    expect((await desk.call('GET', '/events', { as: null })).status).toBe(401);
    for (const query of [
      'types=Nope',
      'after=-1',
      'after=x',
      'from=yesterday',
      'limit=0',
      'streamPrefix=a b',
      'from=2026-03-03&to=2026-03-02',
      'foo=1',
    ]) {
      const answer = await desk.call('GET', `/events?${query}`, { as: analyst });
      expect([query, answer.status]).toEqual([query, 400]);
      expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  });
});

describe('GET /events, read by line readers that split on more than \\n', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await TestDesk.start();
    await seedOrganisation(desk);
    await openRequest(desk, 'planted');
  });
  afterAll(async () => {
    await desk.stop();
  });

  it('writes every character a reader might end a line at as an escape, so no text becomes a line of its own', async () => {
    const planted = `first\u2028{"type":"Planted"}\u2029second\u0085third\u001cfourth\u000bfifth\u000cend`;
    // Text is refused a C1 control such as U+0085 at the edge now, but a log written before may hold one: it is stored
    // here as such a log has it, a copy of a comment the desk took.
    await desk.expect(201, 'POST', '/requests/planted/comments', { as: agent(), body: { body: 'plain', visibility: 'internal' } });
    const taken = (await desk.store.readStream('request-planted')).find((event) => event.type === 'CommentAdded')!;
    await desk.store.appendToStream('request-planted', [
      { id: randomUUID(), type: taken.type, data: { ...taken.data, commentId: randomUUID(), body: planted }, metadata: taken.metadata },
    ]);
    const raw = (await desk.call('GET', '/events', { as: analyst })).raw;
    // JavaScript's line terminators, and those Python's str.splitlines ends a line at (control characters among them).
    // eslint-disable-next-line no-control-regex
    const splitLines = raw.split(/\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]/).filter(Boolean);
    expect(splitLines).toHaveLength(await desk.eventCount());
    const events = splitLines.map((line) => JSON.parse(line));
    expect(events.find((event) => event.data.body === planted)?.type).toBe('CommentAdded');
    expect(events.some((event) => event.type === 'Planted')).toBe(false);
  });
});
