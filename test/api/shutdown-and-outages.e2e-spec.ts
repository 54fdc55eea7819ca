import { createServer, Socket, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, PostgresEventStore } from '@desk/event-store';
import { createReadModelStore } from '@desk/read-models';
import { describeSkipped } from '../support/describe-skipped';
import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { readWholeLog } from '../support/shared-event-stores';
import { openPostgresReadModels } from '../read-models/support/read-model-backends';
import { seedOrganisation } from './support/org';
import { agent, operator, TestDesk } from './support/test-desk';

/** A TCP relay to PostgreSQL that can be cut, standing in for a PostgreSQL server that stops. */
class CuttableRelay {
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}

  static async to(host: string, port: number): Promise<CuttableRelay> {
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(port, host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const relay = new CuttableRelay(server);
    (relay as unknown as { sockets: Set<Socket> }).sockets = sockets;
    return relay;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Refuses new connections and drops the open ones. */
  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  describeSkipped('readiness when PostgreSQL stops', 'DATABASE_URL is not set');
} else {
  describe('readiness when PostgreSQL stops', () => {
    it('turns not ready, naming the read-model store, and queries answer 503 rather than 500', async () => {
      const url = new URL(databaseUrl);
      const relay = await CuttableRelay.to(url.hostname, Number(url.port || 5432));
      const viaRelay = new URL(databaseUrl);
      viaRelay.hostname = '127.0.0.1';
      viaRelay.port = String(relay.port);
      const schema = freshSchema('rm');
      const readModels = await createReadModelStore({ dataDir: '', databaseUrl: viaRelay.toString(), schema });
      const desk = await TestDesk.start({ readModels });
      try {
        await seedOrganisation(desk);
        expect((await desk.call('GET', '/health/ready', { as: null })).status).toBe(200);
        await relay.cut();
        const ready = await desk.call('GET', '/health/ready', { as: null });
        expect(ready.status).toBe(503);
        expect(ready.body.detail).toMatch(/the read-model store does not answer/);
        expect(ready.body.checks.eventStore).toBe('ok');
        const queue = await desk.call('GET', '/queues/it', { as: agent() });
        expect(queue.status).toBe(503);
        // Commands do not need the read models: the write side goes on.
        expect((await desk.call('POST', '/departments', { body: { id: 'ops', name: 'Ops' } })).status).toBe(201);
      } finally {
        await desk.stop().catch(() => undefined);
        const cleanup = await openPostgresReadModels(databaseUrl, schema);
        await cleanup.close();
      }
    });

    it('keeps /metrics and /admin/projections answering while both stores are down, saying which does not answer', async () => {
      const url = new URL(databaseUrl);
      const relay = await CuttableRelay.to(url.hostname, Number(url.port || 5432));
      const viaRelay = new URL(databaseUrl);
      viaRelay.hostname = '127.0.0.1';
      viaRelay.port = String(relay.port);
      const schemas = { events: freshSchema('ev'), readModels: freshSchema('rm') };
      const store = await PostgresEventStore.connect({ connectionString: viaRelay.toString(), schema: schemas.events });
      const readModels = await createReadModelStore({ dataDir: '', databaseUrl: viaRelay.toString(), schema: schemas.readModels });
      const desk = await TestDesk.start({ store, readModels });
      try {
        await seedOrganisation(desk);
        await desk.call('GET', '/queues/it', { as: agent(), headers: { 'x-min-position': String(await store.headPosition()) } });
        const before = await desk.call('GET', '/metrics', { as: null });
        expect(before.status).toBe(200);
        expect(before.raw).toMatch(/^desk_event_store_up\{[^}]*\} 1$/m);
        expect(before.raw).toMatch(/^desk_projection_lag\{[^}]*projection="request-summaries"[^}]*\} 0$/m);
        await relay.cut();
        const metrics = await desk.call('GET', '/metrics', { as: null });
        expect(metrics.status).toBe(200);
        expect(metrics.raw).toMatch(/^desk_event_store_up\{[^}]*\} 0$/m);
        // The lag is unknown, so it is left out rather than shown wrongly; the rest stays, for the outage's graphs.
        expect(metrics.raw).not.toMatch(/^desk_projection_lag\{/m);
        expect(metrics.raw).toMatch(/^desk_projection_checkpoint\{[^}]*projection="request-summaries"/m);
        expect(metrics.raw).toMatch(/^desk_commands_total\{/m);
        const status = await desk.expect(200, 'GET', '/admin/projections', { as: operator });
        expect(status.head).toBeNull();
        expect(status.unreachable).toEqual(['eventStore', 'readModels']);
        const summaries = status.projections.find((projection: { name: string }) => projection.name === 'request-summaries');
        expect(summaries.lag).toBeNull();
        expect(BigInt(summaries.checkpoint)).toBeGreaterThan(0n);
      } finally {
        await desk.stop().catch(() => undefined);
        await store.close().catch(() => undefined);
        for (const schema of Object.values(schemas)) await dropSchema(databaseUrl, schema);
      }
    });
  });
}

describe('graceful shutdown', () => {
  it('finishes the commands in flight, then stops the projections with their checkpoints saved', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-shutdown-'));
    const desk = await TestDesk.start();
    await seedOrganisation(desk);
    const seeded = await desk.eventCount();
    await desk.app.listen(0, '127.0.0.1');
    const address = desk.app.getHttpServer().address() as { port: number };
    try {
      const token = desk.token(agent().sub, 'agent');
      const inFlight = Array.from({ length: 30 }, (_, i) =>
        fetch(`http://127.0.0.1:${address.port}/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id: `late-${i}`, requesterId: 'anna', departmentId: 'it', subject: 'closing time', priority: 'medium' }),
        }).then(
          (response) => response.status,
          () => 'refused',
        ),
      );
      // Close once the first of them has been recorded: the rest are in flight or still arriving.
      const deadline = Date.now() + 10_000;
      while ((await desk.eventCount()) === seeded && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
      const readSide = desk.readSide;
      const closing = desk.app.close();
      const statuses = await Promise.all(inFlight);
      await closing;
      // Each command was either answered 201, or turned away whole (503 on a kept-alive connection once closing began,
      // or the connection refused): none was cut halfway.
      expect(statuses.filter((status) => status !== 201 && status !== 503 && status !== 'refused')).toEqual([]);
      const accepted = statuses.filter((status) => status === 201).length;
      expect(accepted).toBeGreaterThan(0);
      const reopened = await createEventStore({ dataDir: (desk as unknown as { dataDir: string }).dataDir });
      try {
        const opened = (await readWholeLog(reopened)).filter((event) => event.type === 'RequestOpened');
        expect(opened).toHaveLength(accepted);
      } finally {
        await reopened.close();
      }
      expect(readSide.statuses().map((status) => [status.name, status.state])).toEqual(readSide.projectionNames.map((name) => [name, 'stopped']));
    } finally {
      rmSync((desk as unknown as { dataDir: string }).dataDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
