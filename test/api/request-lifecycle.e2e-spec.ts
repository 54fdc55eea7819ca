import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { describeSkipped } from '../support/describe-skipped';
import { PostgresEventStore, type EventStore } from '@desk/event-store';
import { openRequest, seedOrganisation } from './support/org';
import { TestDesk, agent, analyst, requester } from './support/test-desk';

interface StoreForDesk {
  store?: EventStore;
  cleanup: () => Promise<void>;
}

const types = async (desk: TestDesk, id: string): Promise<string[]> =>
  (await desk.expect(200, 'GET', `/requests/${id}/history`, { as: agent() })).events.map((e: { type: string }) => e.type);

/**
 * The vet clinic of the specification over HTTP: reception's phones (an IT
 * request from customer-facing staff) block an external customer's booking.
 */
function describeLifecycle(storeName: string, makeStore: () => Promise<StoreForDesk>) {
  describe(`a request through every lifecycle state, over HTTP (${storeName})`, () => {
    let desk: TestDesk;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const made = await makeStore();
      cleanup = made.cleanup;
      desk = await TestDesk.start({ store: made.store });
      await seedOrganisation(desk);
    });
    afterAll(async () => {
      await desk.stop();
      await cleanup();
    });

    it('opens an internal request from customer-facing staff with SLA due times from the standard', async () => {
      const opened = await desk.expect(201, 'POST', '/requests', {
        as: requester('anna'),
        body: {
          id: 'phones',
          requesterId: 'anna',
          departmentId: 'it',
          subject: 'Phones at reception are dead',
          // A requester says how urgent it is; the desk judges the impact (REQUESTER_PRIORITY=urgency, the default).
          urgency: 'high',
          channel: 'phone',
          category: 'telephony',
        },
      });
      expect(opened).toEqual({ id: 'phones', revision: '0', position: expect.stringMatching(/^\d+$/) });

      const answer = await desk.call('GET', '/requests/phones', { as: agent() });
      expect(answer.status).toBe(200);
      expect(answer.headers.etag).toBe('"0"');
      expect(answer.body).toMatchObject({
        requestId: 'phones',
        status: 'new',
        audience: 'internal',
        exposedToExternal: true,
        priority: 'high',
        impact: null,
        urgency: 'high',
        channel: 'phone',
        tier: 'L1',
        sla: {
          departmentId: 'it',
          standardVersion: 1,
          firstResponseMinutes: 30,
          resolutionMinutes: 480,
          firstResponseDueAt: '2026-03-02T09:30:00.000Z',
          resolutionDueAt: '2026-03-02T17:00:00.000Z',
        },
      });
    });

    it('opens an external request in business hours and links the internal one as its cause; a cycle is refused', async () => {
      await desk.expect(201, 'POST', '/requests', {
        as: requester('bob'),
        body: {
          id: 'booking',
          requesterId: 'bob',
          departmentId: 'front-desk',
          subject: 'Cannot book an appointment by phone',
          urgency: 'high',
        },
      });
      const booking = await desk.expect(200, 'GET', '/requests/booking', { as: agent() });
      // 09:00Z is 10:00 in Brussels; 60 business minutes later is 11:00 local.
      expect(booking.sla.firstResponseDueAt).toBe('2026-03-02T10:00:00.000Z');
      expect(booking.audience).toBe('external');

      await desk.expect(201, 'POST', '/requests/phones/impacts', { as: agent(), body: { effectRequestId: 'booking', relation: 'blocks' } });
      const phones = await desk.expect(200, 'GET', '/requests/phones', { as: agent() });
      expect(phones.impacts).toEqual({ causes: [], effects: [{ requestId: 'booking', relation: 'blocks' }] });

      const cycle = await desk.call('POST', '/requests/booking/impacts', {
        as: agent(),
        body: { effectRequestId: 'phones', relation: 'degrades' },
      });
      expect(cycle.status).toBe(409);
      expect(cycle.body.detail).toMatch(/cycle/);

      const self = await desk.call('POST', '/requests/phones/impacts', {
        as: agent(),
        body: { effectRequestId: 'phones', relation: 'blocks' },
      });
      expect(self.status).toBe(400);
      const unknown = await desk.call('POST', '/requests/phones/impacts', {
        as: agent(),
        body: { effectRequestId: 'ghost', relation: 'blocks' },
      });
      expect(unknown.status).toBe(404);
    });

    it('works the request: assign, start, hold awaiting the requester (clock paused), resume, respond, resolve', async () => {
      await desk.expect(200, 'POST', '/requests/phones/assign', { as: agent(), body: { agentId: agent().sub } });
      await desk.expect(200, 'POST', '/requests/phones/start', { as: agent() });
      desk.clock.advanceMinutes(10);
      await desk.expect(200, 'POST', '/requests/phones/hold', {
        as: agent(),
        body: { reason: 'awaiting_requester', note: 'Which handset?' },
      });
      const held = await desk.expect(200, 'GET', '/requests/phones', { as: agent() });
      expect(held.status).toBe('on_hold');
      expect(held.hold).toMatchObject({ reason: 'awaiting_requester', clockPaused: true });

      desk.clock.advanceMinutes(60);
      await desk.expect(200, 'POST', '/requests/phones/resume', { as: agent() });
      const resumed = await desk.expect(200, 'GET', '/requests/phones', { as: agent() });
      expect(resumed.status).toBe('in_progress');
      expect(resumed.sla.pausedMinutes).toBe(60);
      expect(resumed.sla.resolutionDueAt).toBe('2026-03-02T18:00:00.000Z');

      await desk.expect(201, 'POST', '/requests/phones/comments', {
        as: agent(),
        body: { body: 'Replacing the PBX card now', visibility: 'public' },
      });
      await desk.expect(201, 'POST', '/requests/phones/comments', {
        as: agent(),
        body: { body: 'Card from stock, bin 4', visibility: 'internal' },
      });
      await desk.expect(201, 'POST', '/requests/phones/comments', { as: requester('anna'), body: { body: 'Thanks!' } });
      await desk.expect(200, 'POST', '/requests/phones/resolve', { as: agent(), body: { resolution: 'PBX card replaced' } });

      expect(await types(desk, 'phones')).toEqual([
        'RequestOpened',
        'RequestAssigned',
        'RequestWorkStarted',
        'RequestPutOnHold',
        'RequestResumed',
        'CommentAdded',
        'FirstResponseGiven',
        'CommentAdded',
        'CommentAdded',
        'RequestResolved',
      ]);
      const asRequester = await desk.expect(200, 'GET', '/requests/phones', { as: requester('anna') });
      expect(asRequester.comments.map((c: { body: string }) => c.body)).toEqual(['Replacing the PBX card now', 'Thanks!']);
      // The first-response due time moved by the 60 paused minutes: 09:30 → 10:30; the reply came at 10:10.
      expect(asRequester).toMatchObject({ firstRespondedAt: '2026-03-02T10:10:00.000Z', firstResponseDueAt: '2026-03-02T10:30:00.000Z' });
      const asAgent = await desk.expect(200, 'GET', '/requests/phones', { as: agent() });
      expect(asAgent.firstResponse).toMatchObject({ agentId: agent().sub, withinTarget: true });
    });

    it('reopens, resolves again, and the requester closes and rates it', async () => {
      await desk.expect(200, 'POST', '/requests/phones/reopen', { as: requester('anna'), body: { reason: 'Line 2 still dead' } });
      expect((await desk.expect(200, 'GET', '/requests/phones', { as: agent() })).status).toBe('in_progress');
      await desk.expect(200, 'POST', '/requests/phones/resolve', { as: agent(), body: { resolution: 'Line 2 re-patched' } });

      // Not bob's request: as if there were none.
      const early = await desk.call('POST', '/requests/phones/satisfaction', { as: requester('bob'), body: { score: 5 } });
      expect(early.status).toBe(404);

      await desk.expect(200, 'POST', '/requests/phones/close', { as: requester('anna') });
      await desk.expect(200, 'POST', '/requests/phones/satisfaction', {
        as: requester('anna'),
        body: { score: 2, comment: 'Took all day' },
      });
      const closed = await desk.expect(200, 'GET', '/requests/phones', { as: agent() });
      expect(closed).toMatchObject({
        status: 'closed',
        closedBy: 'requester',
        satisfaction: { score: 2, comment: 'Took all day' },
        reopenCount: 1,
      });

      const again = await desk.call('POST', '/requests/phones/satisfaction', { as: requester('anna'), body: { score: 5 } });
      expect(again.status).toBe(409);
      const afterClose = await desk.call('POST', '/requests/phones/start', { as: agent() });
      expect(afterClose.status).toBe(409);
      expect(afterClose.body.detail).toMatch(/closed/);
    });

    it('transfers, escalates, re-prioritises and offers compensation to the external customer', async () => {
      await desk.expect(200, 'POST', '/requests/booking/assign', { as: agent('agent-2'), body: { agentId: 'agent-2' } });
      await desk.expect(200, 'POST', '/requests/booking/escalate', { as: agent('agent-2'), body: { reason: 'needs a supervisor' } });
      await desk.expect(200, 'POST', '/requests/booking/priority', {
        as: agent('agent-2'),
        body: { priority: 'medium', reason: 'phones are back' },
      });
      await desk.expect(200, 'POST', '/requests/booking/compensation', {
        as: agent('agent-2'),
        body: { kind: 'discount', amount: 15.5, currency: 'EUR', note: 'Sorry for the wait' },
      });
      await desk.expect(200, 'POST', '/requests/booking/transfer', {
        as: agent('agent-2'),
        body: { departmentId: 'it', reason: 'booking system is IT' },
      });
      const booking = await desk.expect(200, 'GET', '/requests/booking', { as: agent() });
      expect(booking).toMatchObject({ status: 'new', departmentId: 'it', tier: 'L2', priority: 'medium', assigneeId: null });
      expect(booking.sla).toMatchObject({ departmentId: 'front-desk', resolutionMinutes: 960 });
      const asBob = await desk.expect(200, 'GET', '/requests/booking', { as: requester('bob') });
      expect(asBob).toMatchObject({ status: 'new', departmentId: 'it', priority: 'medium', assigneeId: null });
      expect(asBob.compensations).toEqual([expect.objectContaining({ kind: 'discount', amount: 15.5, currency: 'EUR' })]);

      const internal = await desk.call('POST', '/requests/phones/compensation', {
        as: agent(),
        body: { kind: 'gift', amount: 1, currency: 'EUR' },
      });
      expect(internal.status).toBe(409);
    });

    it('cancels a request, and then refuses to work it', async () => {
      await openRequest(desk, 'wifi', { requesterId: 'carl', priority: 'medium' });
      await desk.expect(200, 'POST', '/requests/wifi/cancel', { as: requester('carl'), body: { reason: 'it works again' } });
      expect((await desk.expect(200, 'GET', '/requests/wifi', { as: agent() })).status).toBe('cancelled');
      const refused = await desk.call('POST', '/requests/wifi/assign', { as: agent(), body: { agentId: agent().sub } });
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toMatch(/cancelled/);
      const link = await desk.call('POST', '/requests/phones/impacts', {
        as: agent(),
        body: { effectRequestId: 'wifi', relation: 'degrades' },
      });
      expect(link.status).toBe(409);
    });

    it('unlinks an impact', async () => {
      await desk.expect(200, 'DELETE', '/requests/phones/impacts/booking', { as: agent() });
      expect((await desk.expect(200, 'GET', '/requests/booking', { as: agent() })).impacts).toEqual({ causes: [], effects: [] });
      expect((await desk.call('DELETE', '/requests/phones/impacts/booking', { as: agent() })).status).toBe(404);
    });

    it('answers the request as it stood at an earlier time, and its history with metadata', async () => {
      const past = await desk.expect(200, 'GET', '/requests/phones?asOf=2026-03-02T09:05:00Z', { as: analyst });
      expect(past.status).toBe('in_progress');
      expect(past.asOf).toBe('2026-03-02T09:05:00.000Z');
      const before = await desk.call('GET', '/requests/phones?asOf=2020-01-01T00:00:00Z', { as: analyst });
      expect(before.status).toBe(404);

      const history = await desk.expect(200, 'GET', '/requests/phones/history', { as: analyst });
      expect(history.events[0]).toMatchObject({
        revision: '0',
        type: 'RequestOpened',
        actor: 'anna',
        occurredAt: '2026-03-02T09:00:00.000Z',
        schemaVersion: 1,
        correlationId: expect.any(String),
        causationId: expect.any(String),
      });
    });

    it('carries the correlation id from the request header into the events', async () => {
      await desk.expect(201, 'POST', '/requests/booking/comments', {
        as: agent(),
        body: { body: 'On it' },
        headers: { 'x-correlation-id': 'trace-42' },
      });
      const history = await desk.expect(200, 'GET', '/requests/booking/history', { as: agent() });
      expect(history.events[history.events.length - 1].correlationId).toBe('trace-42');
    });

    it("hides other people's requests from a requester", async () => {
      expect((await desk.call('GET', '/requests/phones', { as: requester('bob') })).status).toBe(404);
      expect((await desk.call('GET', '/requests/phones/history', { as: requester('bob') })).status).toBe(404);
    });

    it('serves the OpenAPI document and the docs page without a token', async () => {
      const openapi = await desk.expect(200, 'GET', '/openapi.json', { as: null });
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining([
          '/departments',
          '/departments/{id}/service-standard',
          '/customers',
          '/requests',
          '/requests/{id}/impacts/{effectRequestId}',
        ]),
      );
      const docs = await desk.call('GET', '/docs', { as: null });
      expect(docs.status).toBe(200);
      expect(docs.raw).toMatch(/swagger/i);
    });
  });
}

describeLifecycle('embedded store', async () => ({ cleanup: async () => undefined }));

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describeLifecycle('PostgreSQL event store', async () => {
    const schema = freshSchema('lifecycle');
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
  describeSkipped('a request through every lifecycle state (PostgreSQL)', 'DATABASE_URL is not set');
}
