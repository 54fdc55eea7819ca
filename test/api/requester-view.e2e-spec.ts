import fc from 'fast-check';
import { PostgresEventStore, type EventStore } from '@desk/event-store';
import { REQUESTER_REQUEST_FIELDS } from '@desk/read-models';
import { describeSkipped } from '../support/describe-skipped';
import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { openRequest, registerAgents, seedOrganisation } from './support/org';
import { TestDesk, agent, requester, type HttpAnswer } from './support/test-desk';

const AGENT = agent('agent-rv');
const BOB = requester('bob');
const ANNA = requester('anna');

/** Every piece of staff-only text the scenario writes: none may reach a requester. */
const SECRET = 'staff-only';

const post = (desk: TestDesk, id: string, action: string, body: unknown = {}, as = AGENT) =>
  desk.expect(action === 'comments' || action === 'impacts' ? 201 : 200, 'POST', `/requests/${id}/${action}`, { as, body });

/** Every string and key in a JSON answer. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsIn(inner)]);
  return [];
}

/** An answer with what differs between any two calls (the correlation id) and the request's id taken out. */
function normalised(answer: HttpAnswer, id: string): unknown {
  const body = typeof answer.body === 'object' && answer.body !== null ? { ...answer.body } : answer.body;
  if (body && typeof body === 'object') delete (body as Record<string, unknown>).correlationId;
  return {
    status: answer.status,
    contentType: answer.headers['content-type'],
    etag: answer.headers.etag,
    body: JSON.parse(
      JSON.stringify(body ?? null)
        .split(id)
        .join('<id>'),
    ),
  };
}

function describeRequesterView(storeName: string, makeStore: () => Promise<{ store?: EventStore; cleanup: () => Promise<void> }>) {
  describe(`what a requester sees of a request, over HTTP (${storeName})`, () => {
    let desk: TestDesk;
    let cleanup: () => Promise<void>;
    let internalCommentId: string;

    beforeAll(async () => {
      const made = await makeStore();
      cleanup = made.cleanup;
      desk = await TestDesk.start({ store: made.store });
      await seedOrganisation(desk);
      await registerAgents(desk, ['it', 'front-desk'], [AGENT.sub]);

      // Bob's booking waits on IT's PBX (Carl's request), with every kind of staff-only text on it.
      await desk.expect(201, 'POST', '/requests', {
        as: BOB,
        body: { id: 'booking', requesterId: 'bob', departmentId: 'front-desk', subject: 'Cannot book online', urgency: 'high' },
      });
      await openRequest(desk, 'pbx', { requesterId: 'carl' });
      await post(desk, 'pbx', 'impacts', { effectRequestId: 'booking', relation: 'blocks' });
      await post(desk, 'booking', 'assign', { agentId: AGENT.sub });
      await post(desk, 'booking', 'start');
      await post(desk, 'booking', 'comments', { body: 'We are on it', visibility: 'public' });
      await post(desk, 'booking', 'comments', { body: `${SECRET}: Bob called three times`, visibility: 'internal' });
      await post(desk, 'booking', 'escalate', { reason: `${SECRET} escalation reason` });
      await post(desk, 'booking', 'priority', { priority: 'medium', reason: `${SECRET} priority reason` });
      await post(desk, 'booking', 'compensation', { kind: 'credit', amount: 10, currency: 'EUR', note: `${SECRET} compensation note` });
      await post(desk, 'booking', 'hold', { reason: 'blocked_by_request', blockingRequestId: 'pbx', note: `${SECRET} hold note` });
      await post(desk, 'booking', 'comments', { body: 'Thanks, I will wait', visibility: 'public' }, BOB);

      // Anna's phones: transferred with a reason, then cancelled by staff with one.
      await desk.expect(201, 'POST', '/requests', {
        as: ANNA,
        body: { id: 'phones', requesterId: 'anna', departmentId: 'it', subject: 'Phones are dead', urgency: 'high' },
      });
      await post(desk, 'phones', 'transfer', { departmentId: 'front-desk', reason: `${SECRET} transfer reason` });
      await post(desk, 'phones', 'cancel', { reason: `${SECRET} cancel reason` });

      const staffView = await desk.expect(200, 'GET', '/requests/booking', { as: AGENT });
      internalCommentId = staffView.comments.find((c: { visibility: string }) => c.visibility === 'internal').commentId;
    });
    afterAll(async () => {
      await desk.stop();
      await cleanup();
    });

    it('shows staff everything the scenario wrote (so the checks below can fail)', async () => {
      const booking = await desk.call('GET', '/requests/booking', { as: AGENT });
      const history = await desk.call('GET', '/requests/booking/history', { as: AGENT });
      for (const text of ['hold note', 'escalation reason', 'priority reason', 'compensation note', 'Bob called']) {
        expect(booking.raw + history.raw).toContain(text);
      }
      expect(booking.raw).toContain(internalCommentId);
      expect(booking.raw).toContain('pbx');
      expect(booking.headers.etag).toMatch(/^"\d+"$/);
    });

    it('shows the requester their request through the allowlist: public comments, why it waits, what blocks it counted without ids', async () => {
      const answer = await desk.call('GET', '/requests/booking', { as: BOB });
      expect(answer.status).toBe(200);
      expect(answer.headers.etag).toBeUndefined();
      const allowed = new Set<string>([...REQUESTER_REQUEST_FIELDS, 'comments', 'compensations', 'impacts', 'asOf']);
      expect(Object.keys(answer.body).filter((key) => !allowed.has(key))).toEqual([]);
      expect(answer.body).toMatchObject({
        requestId: 'booking',
        status: 'on_hold',
        holdReason: 'blocked_by_request',
        priority: 'medium',
        assigneeId: AGENT.sub,
        impacts: { blockedBy: 1, degradedBy: 0 },
        compensations: [{ kind: 'credit', amount: 10, currency: 'EUR' }],
      });
      expect(answer.body.comments.map((c: { body: string }) => c.body)).toEqual(['We are on it', 'Thanks, I will wait']);
      expect(answer.raw).not.toContain(SECRET);
      expect(answer.raw).not.toContain(internalCommentId);
      expect(answer.raw).not.toContain('pbx');
      const keys = stringsIn(answer.body);
      for (const hidden of ['revision', 'position', 'tier', 'sla', 'commentIds', 'note', 'blockingRequestId', 'breaches', 'audience']) {
        expect(keys).not.toContain(hidden);
      }
    });

    it("shows the requester's history without staff's reasons, internal comments, escalations or the SLA's measurements", async () => {
      const answer = await desk.call('GET', '/requests/booking/history', { as: BOB });
      expect(answer.status).toBe(200);
      const types = answer.body.events.map((event: { type: string }) => event.type);
      expect(types).toEqual([
        'RequestOpened',
        'RequestAssigned',
        'RequestWorkStarted',
        'CommentAdded',
        'RequestPriorityChanged',
        'CompensationOffered',
        'RequestPutOnHold',
        'CommentAdded',
      ]);
      expect(answer.raw).not.toContain(SECRET);
      expect(answer.raw).not.toContain(internalCommentId);
      expect(answer.raw).not.toContain('pbx');
      for (const event of answer.body.events) expect(Object.keys(event).sort()).toEqual(['actor', 'data', 'occurredAt', 'type']);
      expect(answer.body.events[6].data).toEqual({ requestId: 'booking', reason: 'blocked_by_request', heldAt: expect.any(String) });
    });

    it("leaves out a transfer's and a staff cancellation's reasons, and shows the requester's own", async () => {
      const phones = await desk.call('GET', '/requests/phones', { as: ANNA });
      expect(phones.body).toMatchObject({ status: 'cancelled', departmentId: 'front-desk', cancelReason: null });
      const history = await desk.call('GET', '/requests/phones/history', { as: ANNA });
      expect(history.body.events.map((event: { type: string }) => event.type)).toEqual([
        'RequestOpened',
        'RequestTransferred',
        'RequestCancelled',
      ]);
      expect(phones.raw + history.raw).not.toContain(SECRET);

      await desk.expect(201, 'POST', '/requests', {
        as: ANNA,
        body: { id: 'printer', requesterId: 'anna', departmentId: 'it', subject: 'Printer jams', urgency: 'medium' },
      });
      await desk.expect(200, 'POST', '/requests/printer/cancel', { as: ANNA, body: { reason: 'it works again' } });
      expect((await desk.expect(200, 'GET', '/requests/printer', { as: ANNA })).cancelReason).toBe('it works again');
      const own = await desk.expect(200, 'GET', '/requests/printer/history', { as: ANNA });
      expect(own.events[1].data).toEqual({ requestId: 'printer', reason: 'it works again' });
    });

    describe("someone else's request answers a requester exactly as one that does not exist", () => {
      /** Anna's requests in every state, with a revision, a hold note and an Idempotency-Key of hers on them. */
      const TARGETS = ['t-new', 't-assigned', 't-progress', 't-hold', 't-resolved', 't-closed', 't-cancelled'];
      const GHOST = 'no-such-request';

      beforeAll(async () => {
        for (const id of TARGETS) await openRequest(desk, id, { requesterId: 'anna' });
        for (const id of TARGETS.slice(1, 6)) await post(desk, id, 'assign', { agentId: AGENT.sub });
        for (const id of TARGETS.slice(2, 6)) await post(desk, id, 'start');
        await post(desk, 't-hold', 'hold', { reason: 'awaiting_requester', note: `${SECRET} note` });
        for (const id of ['t-resolved', 't-closed']) await post(desk, id, 'resolve', { resolution: 'fixed' });
        await post(desk, 't-closed', 'close', {}, ANNA);
        await post(desk, 't-cancelled', 'cancel', {}, ANNA);
        await desk.expect(201, 'POST', '/requests/t-progress/comments', {
          as: ANNA,
          body: { body: 'any news?' },
          headers: { 'idempotency-key': 'k-anna' },
        });
      });

      const ROUTES: { method: 'GET' | 'POST' | 'DELETE'; path: string; body?: unknown }[] = [
        { method: 'GET', path: '' },
        { method: 'GET', path: '?asOf=2026-03-02T09:30:00Z' },
        { method: 'GET', path: '/history' },
        { method: 'POST', path: '/close', body: {} },
        { method: 'POST', path: '/cancel', body: { reason: 'mine now' } },
        { method: 'POST', path: '/reopen', body: { reason: 'again' } },
        { method: 'POST', path: '/comments', body: { body: 'hello' } },
        { method: 'POST', path: '/comments', body: { body: 'psst', visibility: 'internal' } },
        { method: 'POST', path: '/comments', body: { body: '' } },
        { method: 'POST', path: '/satisfaction', body: { score: 4 } },
        { method: 'POST', path: '/satisfaction', body: { score: 9 } },
        { method: 'POST', path: '/assign', body: { agentId: AGENT.sub } },
        { method: 'POST', path: '/start', body: {} },
        { method: 'POST', path: '/hold', body: { reason: 'awaiting_requester' } },
        { method: 'POST', path: '/resume', body: {} },
        { method: 'POST', path: '/resolve', body: { resolution: 'done' } },
        { method: 'POST', path: '/transfer', body: { departmentId: 'it', reason: 'x' } },
        { method: 'POST', path: '/escalate', body: { reason: 'x' } },
        { method: 'POST', path: '/priority', body: { priority: 'low', reason: 'x' } },
        { method: 'POST', path: '/compensation', body: { kind: 'credit', amount: 1, currency: 'EUR' } },
        { method: 'POST', path: '/impacts', body: { effectRequestId: 'booking', relation: 'blocks' } },
        { method: 'DELETE', path: '/impacts/booking' },
      ];

      it('whatever its state, the route, If-Match and Idempotency-Key (a fast-check property)', async () => {
        const before = await desk.eventCount();
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...TARGETS),
            fc.constantFrom(...ROUTES),
            fc.option(fc.constantFrom('"0"', '"1"', '"2"', '"3"', '"4"', '"99"', '*', 'W/"2"', 'not a revision'), { nil: undefined }),
            fc.option(fc.oneof(fc.constant('k-anna'), fc.stringMatching(/^[a-z0-9-]{1,12}$/)), { nil: undefined }),
            async (target, route, ifMatch, key) => {
              const headers: Record<string, string> = {};
              if (ifMatch !== undefined) headers['if-match'] = ifMatch;
              if (key !== undefined) headers['idempotency-key'] = key;
              const call = (id: string) => desk.call(route.method, `/requests/${id}${route.path}`, { as: BOB, body: route.body, headers });
              const [theirs, none] = [await call(target), await call(GHOST)];
              expect(normalised(theirs, target)).toEqual(normalised(none, GHOST));
              expect(theirs.status).toBeGreaterThanOrEqual(400);
              expect(theirs.raw).not.toContain(SECRET);
            },
          ),
          { numRuns: 150 },
        );
        expect(await desk.eventCount()).toBe(before);
      });

      it("refuses to open a request with the id of someone else's without naming its state or revision", async () => {
        for (const id of TARGETS) {
          const answer = await desk.call('POST', '/requests', {
            as: BOB,
            body: { id, requesterId: 'bob', departmentId: 'front-desk', subject: 'mine', urgency: 'high' },
            headers: { 'if-match': '"0"' },
          });
          expect(answer.status).toBe(409);
          expect(answer.body.detail).toBe(`cannot open request ${id}: that id is taken; leave id out and the desk chooses one`);
        }
      });

      it('still lets the owner act on her request with her own Idempotency-Key and If-Match', async () => {
        const again = await desk.call('POST', '/requests/t-progress/comments', {
          as: ANNA,
          body: { body: 'any news?' },
          headers: { 'idempotency-key': 'k-anna' },
        });
        expect(again.status).toBe(201);
        const stale = await desk.call('POST', '/requests/t-resolved/close', { as: ANNA, headers: { 'if-match': '"0"' } });
        expect(stale.status).toBe(412);
      });
    });
  });
}

describeRequesterView('embedded store', async () => ({ cleanup: async () => undefined }));

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describeRequesterView('PostgreSQL event store', async () => {
    const schema = freshSchema('requester_view');
    const store = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(databaseUrl, schema);
      },
    };
  });
} else {
  describeSkipped('what a requester sees of a request (PostgreSQL)', 'DATABASE_URL is not set');
}
