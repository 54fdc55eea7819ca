import { describeSkipped } from '../support/describe-skipped';
import { embeddedStoresOnOneFile, postgresStoresOnOneSchema, type SharedEventStores } from '../support/shared-event-stores';
import { openRequest, seedOrganisation } from './support/org';
import { TestDesk, agent, requester } from './support/test-desk';

async function commentTypes(desk: TestDesk, id: string): Promise<string[]> {
  const history = await desk.expect(200, 'GET', `/requests/${id}/history`, { as: agent() });
  return history.events.map((event: { type: string }) => event.type);
}

function expectGapFreeRevisions(history: { events: { revision: string }[] }) {
  expect(history.events.map((event) => event.revision)).toEqual(history.events.map((_, index) => String(index)));
}

describe('concurrency and idempotency over HTTP (embedded store)', () => {
  let desk: TestDesk;

  beforeAll(async () => {
    desk = await TestDesk.start();
    await seedOrganisation(desk);
  });
  afterAll(() => desk.stop());

  it('50 concurrent commands on one request lose no event', async () => {
    await openRequest(desk, 'busy');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        desk.call('POST', '/requests/busy/comments', { as: agent(`agent-${n % 5}`), body: { body: `note ${n}`, visibility: 'internal' } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(201));
    const revisions = answers.map((a) => a.body.revision).sort((a, b) => Number(a) - Number(b));
    expect(new Set(revisions).size).toBe(50);
    const types = await commentTypes(desk, 'busy');
    expect(types.filter((type) => type === 'CommentAdded')).toHaveLength(50);
    expectGapFreeRevisions(await desk.expect(200, 'GET', '/requests/busy/history', { as: agent() }));
  });

  it('concurrent writers with If-Match: exactly one wins, the others get 412', async () => {
    await openRequest(desk, 'raced');
    const revision = (await desk.call('GET', '/requests/raced', { as: agent() })).headers.etag as string;
    expect(revision).toBe('"0"');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        desk.call('POST', '/requests/raced/comments', { as: agent(), body: { body: `n${n}` }, headers: { 'if-match': revision } }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(9);
  });

  it('the same Idempotency-Key with the same body answers the first answer and appends nothing', async () => {
    const body = { requesterId: 'anna', departmentId: 'it', subject: 'Printer on fire', urgency: 'high' };
    const headers = { 'idempotency-key': 'open-printer-fire' };
    const first = await desk.call('POST', '/requests', { as: requester('anna'), body, headers });
    expect(first.status).toBe(201);
    const count = await desk.eventCount();
    const again = await desk.call('POST', '/requests', { as: requester('anna'), body: { ...body }, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await desk.eventCount()).toBe(count);
  });

  it('the same Idempotency-Key with another body is a 409 and appends nothing', async () => {
    const headers = { 'idempotency-key': 'open-once' };
    await desk.expect(201, 'POST', '/requests', {
      as: requester('anna'),
      body: { requesterId: 'anna', departmentId: 'it', subject: 'A', urgency: 'low' },
      headers,
    });
    const count = await desk.eventCount();
    const answer = await desk.call('POST', '/requests', {
      as: requester('anna'),
      body: { requesterId: 'anna', departmentId: 'it', subject: 'B', urgency: 'low' },
      headers,
    });
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toMatch(/Idempotency-Key/);
    expect(await desk.eventCount()).toBe(count);
  });

  it('a retried command with its key is answered once even when fired concurrently', async () => {
    await openRequest(desk, 'twice');
    const headers = { 'idempotency-key': 'comment-1' };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => desk.call('POST', '/requests/twice/comments', { as: agent(), body: { body: 'once' }, headers })),
    );
    expect(new Set(answers.map((a) => a.raw)).size).toBe(1);
    expect((await commentTypes(desk, 'twice')).filter((t) => t === 'CommentAdded')).toHaveLength(1);
  });

  it('keys are scoped to the actor: two agents may use the same key', async () => {
    await openRequest(desk, 'scoped');
    const headers = { 'idempotency-key': 'k' };
    await desk.expect(201, 'POST', '/requests/scoped/comments', { as: agent('a'), body: { body: 'x' }, headers });
    await desk.expect(201, 'POST', '/requests/scoped/comments', { as: agent('b'), body: { body: 'x' }, headers });
    expect((await commentTypes(desk, 'scoped')).filter((t) => t === 'CommentAdded')).toHaveLength(2);
  });

  it('keys are scoped to the role too: one subject as requester and as agent has two key spaces', async () => {
    await openRequest(desk, 'two-hats', { requesterId: 'carl' });
    const headers = { 'idempotency-key': 'same' };
    const asRequester = await desk.expect(201, 'POST', '/requests/two-hats/comments', {
      as: requester('carl'),
      body: { body: 'x' },
      headers,
    });
    const asAgent = await desk.expect(201, 'POST', '/requests/two-hats/comments', { as: agent('carl'), body: { body: 'x' }, headers });
    expect(asAgent.revision).not.toBe(asRequester.revision);
    expect((await commentTypes(desk, 'two-hats')).filter((t) => t === 'CommentAdded')).toHaveLength(2);
  });
});

/** Two API processes (separate caches, no shared lock) on one store: only the expected revision protects them. */
function describeTwoWriters(name: string, makeStore: () => Promise<SharedEventStores>) {
  describe(`two API instances racing on one request (${name})`, () => {
    let first: TestDesk;
    let second: TestDesk;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const made = await makeStore();
      cleanup = made.cleanup;
      first = await TestDesk.start({ store: made.stores[0] });
      second = await TestDesk.start({ store: made.stores[1] });
      await seedOrganisation(first);
    });
    afterAll(async () => {
      await first.stop();
      await second.stop();
      await cleanup();
    });

    it('50 concurrent commands split over both instances lose no event', async () => {
      await openRequest(first, 'shared');
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, n) =>
          (n % 2 ? first : second).call('POST', '/requests/shared/comments', {
            as: agent(),
            body: { body: `note ${n}`, visibility: 'internal' },
          }),
        ),
      );
      const accepted = answers.filter((a) => a.status === 201).length;
      const conflicts = answers.filter((a) => a.status === 409).length;
      expect(accepted + conflicts).toBe(50);
      const history = await first.expect(200, 'GET', '/requests/shared/history', { as: agent() });
      expect(history.events.filter((e: { type: string }) => e.type === 'CommentAdded')).toHaveLength(accepted);
      expectGapFreeRevisions(history);
      expect(accepted).toBeGreaterThanOrEqual(45);
    });
  });
}

describeTwoWriters('embedded', () => embeddedStoresOnOneFile(2, 'desk-two-writers-'));

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describeTwoWriters('PostgreSQL', () => postgresStoresOnOneSchema(databaseUrl, 2, 'api'));
} else {
  describeSkipped('two API instances racing on one request (PostgreSQL)', 'DATABASE_URL is not set');
}
