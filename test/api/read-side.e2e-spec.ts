import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore, type EventStore } from '@desk/event-store';
import { allProjections, createReadModelStore, type ReadModelStore } from '@desk/read-models';
import { describeSkipped } from '../support/describe-skipped';
import { openPostgresReadModels } from '../read-models/support/read-model-backends';
import { registerAgents } from './support/org';
import { agent, analyst, operator, requester, TestDesk, type TestClock } from './support/test-desk';
import { brokenRequestOpened } from '../support/poison-events';

/**
 * SPEC §2's veterinary clinic over HTTP: the receptionists' phone system
 * (an IT request from customer-facing employees) blocks pet owners'
 * appointment requests; a failing network switch blocks the phones.
 */
async function seedVetClinic(desk: TestDesk): Promise<void> {
  await desk.expect(201, 'POST', '/departments', { body: { id: 'it', name: 'IT' } });
  await desk.expect(201, 'POST', '/departments', { body: { id: 'front-desk', name: 'Front desk' } });
  await desk.expect(200, 'PUT', '/departments/it/service-standard', {
    body: {
      targets: [
        { priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 240 },
        { priority: 'medium', audience: 'internal', firstResponseMinutes: 120, resolutionMinutes: 480 },
      ],
    },
  });
  await desk.expect(200, 'PUT', '/departments/front-desk/service-standard', {
    body: {
      targets: [
        { priority: 'high', audience: 'external', firstResponseMinutes: 60, resolutionMinutes: 240 },
        { priority: 'medium', audience: 'external', firstResponseMinutes: 240, resolutionMinutes: 960 },
      ],
      calendar: {
        timeZone: 'Europe/Brussels',
        weeklyHours: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, start: '08:00', end: '18:00' })),
        holidays: [],
      },
    },
  });
  const customers = [
    { id: 'rita', name: 'Rita (reception)', type: 'internal', kind: 'employee', departmentId: 'front-desk', customerFacing: true },
    { id: 'eva', name: 'Eva (accounts)', type: 'internal', kind: 'employee', departmentId: 'it' },
    { id: 'olga', name: 'Olga, cat owner', type: 'external', kind: 'individual' },
    { id: 'omar', name: 'Omar, dog owner', type: 'external', kind: 'individual' },
  ];
  for (const body of customers) await desk.expect(201, 'POST', '/customers', { body });
  await registerAgents(desk, ['it', 'front-desk']);
}

/** The fields of the read side's answers that these specs compare. */
type QueueItem = { requestId: string; effectivePriority: string; dueAt: string };
type Blocker = { requestId: string; blocksExternalCustomers: number; blocksExternalRequests: number };
type Cause = { requestId: string; depth: number };
type DepartmentWorkload = { departmentId: string; open: number };
type ProjectionStatus = { name: string; state: string; checkpoint: string; lag: string };

async function open(
  desk: TestDesk,
  id: string,
  requesterId: string,
  departmentId: string,
  priority: string,
): Promise<{ position: string }> {
  return desk.expect(201, 'POST', '/requests', {
    as: agent(),
    body: { id, requesterId, departmentId, subject: `Request ${id}`, priority },
  });
}

async function link(desk: TestDesk, cause: string, effect: string, relation = 'blocks'): Promise<{ position: string }> {
  return desk.expect(201, 'POST', `/requests/${cause}/impacts`, { as: agent(), body: { effectRequestId: effect, relation } });
}

async function vetClinicDay(desk: TestDesk, clock: TestClock): Promise<string> {
  await seedVetClinic(desk);
  await open(desk, 'it-phones', 'rita', 'it', 'medium'); // 09:00Z
  await open(desk, 'it-laptop', 'eva', 'it', 'medium');
  clock.advanceMinutes(5);
  await open(desk, 'appt-1', 'olga', 'front-desk', 'high'); // 10:05 in Brussels: resolution due 14:05 local, 13:05Z
  await open(desk, 'appt-2', 'omar', 'front-desk', 'high');
  clock.advanceMinutes(5);
  await open(desk, 'appt-3', 'olga', 'front-desk', 'medium');
  await open(desk, 'it-switch', 'eva', 'it', 'medium');
  await link(desk, 'it-phones', 'appt-1');
  await link(desk, 'it-phones', 'appt-2');
  await link(desk, 'it-phones', 'appt-3', 'degrades');
  return (await link(desk, 'it-switch', 'it-phones')).position;
}

interface Stores {
  store?: EventStore;
  readModels?: ReadModelStore;
  cleanup: () => Promise<void>;
}

function describeVetClinic(name: string, openStores: () => Promise<Stores>) {
  describe(`read side over HTTP: the vet clinic (${name})`, () => {
    let desk: TestDesk;
    let stores: Stores;
    beforeEach(async () => {
      stores = await openStores();
      desk = await TestDesk.start({ store: stores.store, readModels: stores.readModels });
    });
    afterEach(async () => {
      await desk.stop();
      await stores.cleanup();
    });

    it('draws the impact chain as Mermaid or Graphviz DOT when the Accept header asks for it, and refuses what it cannot send', async () => {
      const position = await vetClinicDay(desk, desk.clock);
      const url = `/impact/requests/it-phones?minPosition=${position}`;
      const mermaid = await desk.call('GET', url, { as: agent(), headers: { accept: 'text/vnd.mermaid' } });
      expect([mermaid.status, mermaid.headers['content-type'], mermaid.headers.vary]).toEqual([
        200,
        'text/vnd.mermaid; charset=utf-8',
        'Accept',
      ]);
      const lines = mermaid.raw.split('\n');
      expect(lines[0]).toBe('flowchart LR');
      // The switch blocks the phones, which block two appointments and degrade the third: a node each, an edge each.
      expect(lines.filter((line) => /^ {2}r\d+\["/.test(line))).toHaveLength(5);
      expect(mermaid.raw.match(/==>\|blocks\|/g)).toHaveLength(3);
      expect(mermaid.raw.match(/-\.->\|degrades\|/g)).toHaveLength(1);
      expect(mermaid.raw).toContain('it-phones<br/>it · new<br/>');

      const dot = await desk.call('GET', url, { as: agent(), headers: { accept: 'application/json;q=0.5, text/vnd.graphviz' } });
      expect([dot.status, dot.headers['content-type']]).toEqual([200, 'text/vnd.graphviz; charset=utf-8']);
      expect(dot.raw).toMatch(/^digraph impact \{\n/);
      expect(dot.raw).toContain('"it-switch" -> "it-phones" [label="blocks"];');

      // JSON by default, for a wildcard and for a text/* that prefers it less.
      for (const accept of [undefined, '*/*', 'application/json', 'text/vnd.mermaid;q=0.1, application/json']) {
        const answer = await desk.call('GET', url, { as: agent(), headers: accept ? { accept } : {} });
        expect([accept, answer.status, answer.headers['content-type']]).toEqual([accept, 200, 'application/json; charset=utf-8']);
        expect(answer.body).toMatchObject({ request: { requestId: 'it-phones' } });
      }
      const refused = await desk.call('GET', url, { as: agent(), headers: { accept: 'text/html' } });
      expect(refused.status).toBe(406);
      expect(refused.body).toMatchObject({ status: 406, detail: expect.stringContaining('text/vnd.mermaid') });
      // Who may not read the chain learns that first, whatever they accept; an unknown request is a 404 in any drawing.
      expect((await desk.call('GET', url, { as: requester('rita'), headers: { accept: 'text/vnd.mermaid' } })).status).toBe(403);
      expect(
        (await desk.call('GET', '/impact/requests/nothing-here', { as: agent(), headers: { accept: 'text/vnd.graphviz' } })).status,
      ).toBe(404);
    });

    it('ranks the blockers, raises effective priority, passes on the deadline and orders the queue', async () => {
      const position = await vetClinicDay(desk, desk.clock);

      const blockers = await desk.expect(200, 'GET', `/impact/blockers?minPosition=${position}`, { as: analyst });
      expect(blockers.items.map((b: Blocker) => [b.requestId, b.blocksExternalCustomers, b.blocksExternalRequests])).toEqual([
        ['it-switch', 2, 3],
        ['it-phones', 2, 3],
      ]);

      const chain = await desk.expect(200, 'GET', `/impact/requests/it-phones?minPosition=${position}`, { as: agent() });
      expect(chain).toMatchObject({
        request: { requestId: 'it-phones', priority: 'medium', effectivePriority: 'high', exposedToExternal: true },
        externalRequestsAffected: 3,
        externalCustomersAffected: 2,
        inheritedDeadline: '2026-03-02T13:05:00.000Z',
      });
      expect(chain.causes.map((c: Cause) => [c.requestId, c.depth])).toEqual([['it-switch', 1]]);

      const queue = await desk.expect(200, 'GET', `/queues/it?minPosition=${position}`, { as: agent() });
      expect(queue.items.map((item: QueueItem) => [item.requestId, item.effectivePriority, item.dueAt])).toEqual([
        // Own first response due 11:00Z comes before the inherited 13:05Z.
        ['it-phones', 'high', '2026-03-02T11:00:00.000Z'],
        ['it-switch', 'high', '2026-03-02T11:10:00.000Z'],
        ['it-laptop', 'medium', '2026-03-02T11:00:00.000Z'],
      ]);
      expect(queue.items[0]).toMatchObject({
        status: 'new',
        audience: 'internal',
        requesterId: 'rita',
        blockedBy: [{ requestId: 'it-switch', relation: 'blocks' }],
        blocksExternalRequests: 3,
        blocksExternalCustomers: 2,
        sla: { state: 'ok' },
      });
      const frontDesk = await desk.expect(200, 'GET', `/queues/front-desk?minPosition=${position}`, { as: agent() });
      expect(frontDesk.items.map((item: QueueItem) => item.requestId)).toEqual(['appt-1', 'appt-2', 'appt-3']);
      expect(frontDesk.items[2].blockedBy).toEqual([expect.objectContaining({ requestId: 'it-phones', relation: 'degrades' })]);

      const workload = await desk.expect(200, 'GET', `/departments/it/workload?minPosition=${position}`, { as: analyst });
      expect(workload).toMatchObject({
        departmentId: 'it',
        name: 'IT',
        open: 3,
        byStatus: { new: 3, assigned: 0 },
        byAudience: { internal: 3, external: 0 },
        unassigned: 3,
        impact: { blockingRequests: 2, blockedExternalRequests: 3, blockedExternalCustomers: 2 },
      });
      const all = await desk.expect(200, 'GET', `/workloads?minPosition=${position}`, { as: analyst });
      expect(all.departments.map((d: DepartmentWorkload) => [d.departmentId, d.open])).toEqual([
        ['front-desk', 3],
        ['it', 3],
      ]);
    });

    it('stops counting a resolved cause, and the queue and blockers follow', async () => {
      await vetClinicDay(desk, desk.clock);
      await desk.expect(200, 'POST', '/requests/it-switch/assign', { as: agent(), body: { agentId: agent().sub } });
      await desk.expect(200, 'POST', '/requests/it-switch/start', { as: agent() });
      const { position } = await desk.expect(200, 'POST', '/requests/it-switch/resolve', { as: agent(), body: { resolution: 'replaced' } });

      const blockers = await desk.expect(200, 'GET', `/impact/blockers?minPosition=${position}`, { as: agent() });
      expect(blockers.items.map((b: Blocker) => b.requestId)).toEqual(['it-phones']);
      const queue = await desk.expect(200, 'GET', `/queues/it?minPosition=${position}`, { as: agent() });
      expect(queue.items.map((item: QueueItem) => item.requestId)).toEqual(['it-phones', 'it-laptop']);
      expect(queue.items[0].blockedBy).toEqual([]);
    });

    it('answers queues, workloads and the impact chain as they stood at an earlier time, beside the live read models', async () => {
      await vetClinicDay(desk, desk.clock);
      desk.clock.advanceMinutes(60); // 10:10
      await desk.expect(200, 'POST', '/requests/it-switch/assign', { as: agent(), body: { agentId: agent().sub } });
      await desk.expect(200, 'POST', '/requests/it-switch/start', { as: agent() });
      const { position } = await desk.expect(200, 'POST', '/requests/it-switch/resolve', { as: agent(), body: { resolution: 'replaced' } });

      const before = await desk.expect(200, 'GET', '/impact/blockers?asOf=2026-03-02T10:00:00Z', { as: analyst });
      expect(before.items.map((b: Blocker) => b.requestId)).toEqual(['it-switch', 'it-phones']);
      const now = await desk.expect(200, 'GET', `/impact/blockers?minPosition=${position}`, { as: analyst });
      expect(now.items.map((b: Blocker) => b.requestId)).toEqual(['it-phones']);

      // 09:02: the phones and the laptop were in IT's queue, nothing blocked anything yet (same due time: by id).
      const early = await desk.expect(200, 'GET', '/queues/it?asOf=2026-03-02T09:02:00Z', { as: analyst });
      expect(early).toMatchObject({ asOf: '2026-03-02T09:02:00.000Z' });
      expect(early.items.map((item: QueueItem) => [item.requestId, item.effectivePriority])).toEqual([
        ['it-laptop', 'medium'],
        ['it-phones', 'medium'],
      ]);
      const workload = await desk.expect(200, 'GET', '/departments/it/workload?asOf=2026-03-02T10:00:00Z', { as: analyst });
      expect(workload).toMatchObject({ asOf: '2026-03-02T10:00:00.000Z', open: 3, impact: { blockedExternalRequests: 3 } });
      const chain = await desk.expect(200, 'GET', '/impact/requests/appt-1?asOf=2026-03-02T09:07:00Z', { as: analyst });
      expect(chain.causes).toEqual([]);
      // The past is read from the read models' history: naming a position waits for them to reflect it, as live.
      expect(await desk.expect(200, 'GET', `/queues/it?asOf=2026-03-02T09:02:00Z&minPosition=${position}`, { as: analyst })).toEqual(early);
      expect((await desk.call('GET', '/queues/it?asOf=tuesday', { as: analyst })).status).toBe(400);
      expect((await desk.call('GET', '/queues/it?asOf=2020-01-01T00:00:00Z', { as: analyst })).status).toBe(404);
    });

    it('says so when the read model cannot reach the position in time, and refuses bad query input', async () => {
      await seedVetClinic(desk);
      const { position } = await open(desk, 'x', 'rita', 'it', 'medium');
      const beyond = (BigInt(position) + 1000n).toString();
      const never = await desk.call('GET', `/queues/it?minPosition=${beyond}&waitMs=50`, { as: agent() });
      expect([never.status, never.body.errors]).toEqual([400, [{ field: 'minPosition', message: 'is beyond the head of the log' }]]);
      // A position the log has but a read model has not reached in time: 503, saying how far they got.
      const summaries = desk.readSide.runner('request-summaries')!;
      expect(await summaries.waitFor(BigInt(position), 5000)).toBe(true);
      await summaries.stop();
      const { position: later } = await open(desk, 'y', 'rita', 'it', 'medium');
      const late = await desk.call('GET', `/queues/it?minPosition=${later}&waitMs=50`, { as: agent() });
      expect(late.status).toBe(503);
      expect(late.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(late.body).toMatchObject({ position: later, checkpoints: { 'request-summaries': position } });
      await summaries.start();

      const viaHeader = await desk.call('GET', '/queues/it', { as: agent(), headers: { 'x-min-position': later } });
      expect(viaHeader.status).toBe(200);
      expect(viaHeader.body.items.map((item: QueueItem) => item.requestId)).toEqual(['x', 'y']);

      for (const [url, status] of [
        ['/queues/it?status=closed', 400],
        ['/queues/it?priority=urgent', 400],
        ['/queues/it?limit=0', 400],
        ['/queues/it?limit=abc', 400],
        ['/queues/it?cursor=not-a-cursor', 400],
        ['/queues/it?minPosition=-1', 400],
        ['/queues/it?waitMs=999999', 400],
        ['/queues/it?sort=fun', 400],
        ['/queues/nowhere', 404],
        ['/departments/nowhere/workload', 404],
        ['/departments/it/workload?from=2026-02-30', 400],
        ['/departments/it/workload?from=2026-03-02&to=2026-03-01', 400],
        ['/departments/it/workload?from=2024-01-01&to=2026-01-01', 400],
        ['/impact/requests/nothing-here', 404],
        ['/impact/blockers?cursor=eyJ4Ijox', 400],
      ] as const) {
        const answer = await desk.call('GET', url, { as: agent() });
        expect([url, answer.status]).toEqual([url, status]);
        expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
      }
      const headerAnswer = await desk.call('GET', '/queues/it', { as: agent(), headers: { 'x-min-position': 'soon' } });
      expect(headerAnswer.status).toBe(400);
    });

    it('keeps requesters out of queues, workloads and the impact chain', async () => {
      await seedVetClinic(desk);
      for (const url of ['/queues/it', '/departments/it/workload', '/workloads', '/impact/blockers', '/impact/requests/x']) {
        expect((await desk.call('GET', url, { as: requester('rita') })).status).toBe(403);
        expect((await desk.call('GET', url, { as: null })).status).toBe(401);
      }
    });
  });
}

describeVetClinic('embedded stores', async () => ({ cleanup: async () => undefined }));

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describeVetClinic('PostgreSQL event store and read models', async () => {
    const schema = freshSchema('vet');
    const store = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
    return {
      store,
      readModels: await openPostgresReadModels(databaseUrl),
      cleanup: async () => {
        await store.close();
        await dropSchema(databaseUrl, schema);
      },
    };
  });
} else {
  describeSkipped('read side over HTTP: the vet clinic (PostgreSQL)', 'DATABASE_URL is not set');
}

describe('readiness reflects the read-model store', () => {
  it('is ready with both stores answering, and shows the projections run here', async () => {
    const desk = await TestDesk.start();
    try {
      const ready = await desk.expect(200, 'GET', '/health/ready', { as: null });
      expect(ready.checks).toMatchObject({
        eventStore: 'ok',
        readModels: 'ok',
        projections: { 'request-summaries': expect.stringMatching(/running|catching_up/), 'impact-chain': expect.any(String) },
      });
    } finally {
      await desk.stop();
    }
  });

  it('is not ready when the read-model store does not answer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-ready-'));
    const real = await createReadModelStore({ dataDir });
    const desk = await TestDesk.start({ readModels: { ...real, ping: () => Promise.reject(new Error('connection refused')) } });
    try {
      const answer = await desk.call('GET', '/health/ready', { as: null });
      expect(answer.status).toBe(503);
      expect(answer.body.detail).toMatch(/read-model store does not answer: connection refused/);
      expect(answer.body.checks).toMatchObject({ eventStore: 'ok', readModels: 'connection refused' });
    } finally {
      await desk.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('projection status for operators', () => {
  it('shows every projection with its checkpoint, the head and the lag, to operators only', async () => {
    const desk = await TestDesk.start();
    try {
      await seedVetClinic(desk);
      const { position } = await open(desk, 'x', 'rita', 'it', 'medium');
      expect(await desk.readSide.waitFor(desk.readSide.projectionNames, BigInt(position), 5000)).toBe(true);
      const status = await desk.expect(200, 'GET', '/admin/projections', { as: operator });
      expect(status.head).toBe(position);
      // Every projection, then the reactor.
      expect(status.projections.map((p: ProjectionStatus) => [p.name, p.state, p.checkpoint, p.lag])).toEqual(
        [...allProjections().map((projection) => projection.name), 'satisfaction-follow-up'].map((name) => [
          name,
          'running',
          position,
          '0',
        ]),
      );
      expect((await desk.call('GET', '/admin/projections', { as: analyst })).status).toBe(403);
      expect((await desk.call('POST', '/admin/projections/impact-chain/retry', { as: operator })).status).toBe(409);
      expect((await desk.call('POST', '/admin/projections/nothing/retry', { as: operator })).status).toBe(404);
    } finally {
      await desk.stop();
    }
  });

  it('shows a poison event that faulted one projection, and lets the operator skip it while the others go on', async () => {
    const desk = await TestDesk.start();
    const op = operator;
    try {
      await seedVetClinic(desk);
      // Written past the domain: a RequestOpened without its data, such as a bad import could leave.
      const poison = await desk.store.appendToStream('request-broken', [brokenRequestOpened()]);
      const { position } = await open(desk, 'after-poison', 'rita', 'it', 'medium');
      expect(await desk.readSide.waitFor(['satisfaction-follow-up'], BigInt(position), 5000)).toBe(true);
      let status: { projections: ProjectionStatus[] } = { projections: [] };
      for (let i = 0; i < 200; i++) {
        status = await desk.expect(200, 'GET', '/admin/projections', { as: op });
        if (status.projections[0].state === 'faulted' && status.projections[1].state === 'faulted') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(status.projections[0]).toMatchObject({
        name: 'request-summaries',
        state: 'faulted',
        checkpoint: String(poison.position - 1n),
        fault: { position: String(poison.position), eventType: 'RequestOpened', streamId: 'request-broken', error: expect.any(String) },
      });
      // Both read models that read RequestOpened stopped at it; the follow-up process, which does not, went past it.
      expect(status.projections[1]).toMatchObject({ name: 'impact-chain', state: 'faulted', fault: { streamId: 'request-broken' } });
      expect(status.projections.find((p) => p.name === 'satisfaction-follow-up')).toMatchObject({ state: 'running', checkpoint: position });
      expect((await desk.call('GET', `/queues/it?minPosition=${position}&waitMs=50`, { as: agent() })).status).toBe(503);

      for (const name of ['request-summaries', 'impact-chain']) {
        const skipped = await desk.expect(200, 'POST', `/admin/projections/${name}/skip`, { as: op });
        expect(skipped).toMatchObject({ state: expect.stringMatching(/running|catching_up/), skipped: [{ streamId: 'request-broken' }] });
      }
      const queue = await desk.expect(200, 'GET', `/queues/it?minPosition=${position}`, { as: agent() });
      expect(queue.items.map((item: QueueItem) => item.requestId)).toEqual(['after-poison']);
      expect((await desk.call('POST', '/admin/projections/request-summaries/skip', { as: op })).status).toBe(409);
    } finally {
      await desk.stop();
    }
  });

  it('shows projections run by another process on a query-only replica', async () => {
    const desk = await TestDesk.start({ env: { RUN_PROJECTIONS: 'false' } });
    try {
      await seedVetClinic(desk);
      const status = await desk.expect(200, 'GET', '/admin/projections', { as: operator });
      // Every projection and the reactor.
      expect(status.projections.map((p: ProjectionStatus) => [p.state, p.checkpoint])).toEqual(
        [...allProjections(), 'satisfaction-follow-up'].map(() => ['elsewhere', '0']),
      );
      const late = await desk.call('GET', `/queues/it?minPosition=${status.head}&waitMs=100`, { as: agent() });
      expect(late.status).toBe(503);
      // Without a position to reflect, the replica says its read models are not built rather than answering empty.
      const unbuilt = await desk.call('GET', '/queues/it', { as: agent() });
      expect([unbuilt.status, unbuilt.body.title]).toEqual([503, 'Read model not ready']);
    } finally {
      await desk.stop();
    }
  });
});
