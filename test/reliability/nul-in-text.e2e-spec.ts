import { PostgresEventStore, type EventStore } from '@desk/event-store';
import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { describeSkipped } from '../support/describe-skipped';
import { openRequest, seedOrganisation } from '../api/support/org';
import { TestDesk, agent } from '../api/support/test-desk';

/**
 * Regression: text with U+0000 (a comment, a subject…) was accepted by the deciders, and PostgreSQL's jsonb cannot
 * store it: on the PostgreSQL event store the append failed and the client got a 500. It is a 400 naming the
 * field on every store now, and nothing is appended.
 */
async function refusesNul(desk: TestDesk): Promise<void> {
  await seedOrganisation(desk);
  await openRequest(desk, 'plain');
  const before = await desk.eventCount();
  const comment = await desk.call('POST', '/requests/plain/comments', { as: agent(), body: { body: 'a\u0000b', visibility: 'public' } });
  expect([comment.status, comment.body.errors]).toEqual([400, [{ field: 'body', message: 'must not contain the NUL character (U+0000)' }]]);
  const open = await desk.call('POST', '/requests', {
    as: agent(),
    body: { id: 'nul', requesterId: 'anna', departmentId: 'it', subject: 'x\u0000', priority: 'high' },
  });
  expect([open.status, open.body.errors?.[0]?.field]).toEqual([400, 'subject']);
  const department = await desk.call('POST', '/departments', { body: { id: 'nul', name: '\u0000' } });
  expect(department.status).toBe(400);
  expect(await desk.eventCount()).toBe(before);
}

describe('text with U+0000 (embedded store)', () => {
  it('is a 400 naming the field, and appends nothing', async () => {
    const desk = await TestDesk.start();
    try {
      await refusesNul(desk);
    } finally {
      await desk.stop();
    }
  });
});

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describe('text with U+0000 (PostgreSQL event store)', () => {
    it('is a 400 naming the field, not a 500, and appends nothing', async () => {
      const schema = freshSchema('nul');
      const store: EventStore = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
      const desk = await TestDesk.start({ store });
      try {
        await refusesNul(desk);
      } finally {
        await desk.stop();
        await store.close();
        await dropSchema(databaseUrl, schema);
      }
    });
  });
} else {
  describeSkipped('text with U+0000 (PostgreSQL event store)', 'DATABASE_URL is not set');
}
