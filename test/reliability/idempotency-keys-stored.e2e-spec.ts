import { randomUUID } from 'node:crypto';
import { PostgresEventStore, type EventStore } from '@desk/event-store';
import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { describeSkipped } from '../support/describe-skipped';
import { openRequest, seedOrganisation } from '../api/support/org';
import { TestDesk, agent } from '../api/support/test-desk';

/**
 * Regression: the key an event records was scoped to its actor with U+0000, which PostgreSQL's jsonb refuses,
 * so every command with an Idempotency-Key answered 500 on the PostgreSQL event store. Keys recorded the old way
 * (embedded desks) are still recognised.
 */
async function keyedCommentTwice(first: TestDesk, second: TestDesk): Promise<void> {
  await openRequest(first, 'keyed');
  const headers = { 'idempotency-key': 'retry-me' };
  const call = (desk: TestDesk) =>
    desk.call('POST', '/requests/keyed/comments', { as: agent(), body: { body: 'once', visibility: 'internal' }, headers });
  const answers = await Promise.all([call(first), call(second), call(first)]);
  expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
  expect(new Set(answers.map((answer) => answer.raw)).size).toBe(1);
  const history = await first.expect(200, 'GET', '/requests/keyed/history', { as: agent() });
  expect(history.events.map((event: { type: string }) => event.type)).toEqual(['RequestOpened', 'CommentAdded']);
  const other = await first.call('POST', '/requests/keyed/comments', { as: agent(), body: { body: 'another' }, headers });
  expect(other.status).toBe(409);
}

describe('Idempotency-Key as events record it (embedded)', () => {
  it('recognises a key recorded scoped with U+0000 before the fix', async () => {
    const desk = await TestDesk.start();
    try {
      await seedOrganisation(desk);
      const opened = await openRequest(desk, 'old-key');
      const store: EventStore = desk.store;
      const first = await desk.call('POST', '/requests/old-key/comments', {
        as: agent(),
        body: { body: 'once', visibility: 'internal' },
        headers: { 'idempotency-key': 'probe' },
      });
      // The same command, recorded as a desk before the fix did: key scoped with U+0000.
      const [recorded] = await store.readStream('request-old-key', { fromRevision: BigInt(first.body.revision) });
      await store.appendToStream('request-old-key', [
        {
          id: randomUUID(),
          type: 'CommentAdded',
          data: { ...recorded.data, commentId: randomUUID() },
          metadata: { ...recorded.metadata, idempotencyKey: `${agent().sub}\u0000old` },
        },
      ]);
      const again = await desk.call('POST', '/requests/old-key/comments', {
        as: agent(),
        body: { body: 'once', visibility: 'internal' },
        headers: { 'idempotency-key': 'old' },
      });
      expect(again.status).toBe(201);
      expect(again.body.revision).toBe(String(BigInt(opened.revision) + 2n));
      expect((await store.readStream('request-old-key')).length).toBe(3);
    } finally {
      await desk.stop();
    }
  });
});

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describe('Idempotency-Key on the PostgreSQL event store, two API instances', () => {
    it('answers a retried command once, and another body with the same key 409', async () => {
      const schema = freshSchema('keys');
      const stores = [
        await PostgresEventStore.connect({ connectionString: databaseUrl, schema }),
        await PostgresEventStore.connect({ connectionString: databaseUrl, schema }),
      ];
      const desks = [await TestDesk.start({ store: stores[0] }), await TestDesk.start({ store: stores[1] })];
      try {
        await seedOrganisation(desks[0]);
        await keyedCommentTwice(desks[0], desks[1]);
      } finally {
        for (const desk of desks) await desk.stop();
        await Promise.all(stores.map((store) => store.close()));
        await dropSchema(databaseUrl, schema);
      }
    });
  });
} else {
  describeSkipped('Idempotency-Key on the PostgreSQL event store, two API instances', 'DATABASE_URL is not set');
}
