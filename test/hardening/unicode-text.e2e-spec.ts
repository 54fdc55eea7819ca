import jwt from 'jsonwebtoken';
import { PostgresEventStore, type EventStore } from '@desk/event-store';
import { createReadModelStore, type ReadModelStore } from '@desk/read-models';
import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { describeSkipped } from '../support/describe-skipped';
import { openRequest, seedOrganisation } from '../api/support/org';
import { TEST_SECRET, TestDesk, agent } from '../api/support/test-desk';

/**
 * Regression (issue 17, item 1): a lone UTF-16 surrogate ("\ud800" in JSON) in a subject, a comment, a name or a
 * token's subject was a 500 on the PostgreSQL event store (jsonb refuses it), a poison event for PostgreSQL read
 * models fed from the embedded log, and silently became U+FFFD in the embedded read models. It is a 400 naming the
 * field (a 401 for a token) on every store now, and nothing is appended.
 */
const NOT_WELL_FORMED = 'must be well-formed Unicode (it holds a lone UTF-16 surrogate, U+D800–U+DFFF)';

async function refusesLoneSurrogates(desk: TestDesk): Promise<void> {
  await seedOrganisation(desk);
  await openRequest(desk, 'plain');
  const before = await desk.eventCount();

  const comment = await desk.call('POST', '/requests/plain/comments', { as: agent(), body: { body: 'a\ud800b', visibility: 'public' } });
  expect([comment.status, comment.body.errors]).toEqual([400, [{ field: 'body', message: NOT_WELL_FORMED }]]);
  const open = await desk.call('POST', '/requests', {
    as: agent(),
    body: { id: 'lone', requesterId: 'anna', departmentId: 'it', subject: 'printer \udfff', priority: 'high' },
  });
  expect([open.status, open.body.errors]).toEqual([400, [{ field: 'subject', message: NOT_WELL_FORMED }]]);
  const department = await desk.call('POST', '/departments', { body: { id: 'lone', name: 'IT \udc00\ud800' } });
  expect([department.status, department.body.errors]).toEqual([400, [{ field: 'name', message: NOT_WELL_FORMED }]]);
  const customer = await desk.call('POST', '/customers', { body: { id: 'lone', name: '\ud83d', type: 'external', kind: 'individual' } });
  expect([customer.status, customer.body.errors]).toEqual([400, [{ field: 'name', message: NOT_WELL_FORMED }]]);

  const lonelySubject = jwt.sign({ role: 'agent' }, TEST_SECRET, { algorithm: 'HS256', subject: 'agent\ud800', expiresIn: '1h' });
  const byToken = await desk.call('POST', '/requests/plain/comments', {
    as: null,
    headers: { authorization: `Bearer ${lonelySubject}` },
    body: { body: 'hello', visibility: 'public' },
  });
  expect([byToken.status, byToken.body.detail]).toEqual([
    401,
    "the token's subject must be well-formed Unicode (it holds a lone UTF-16 surrogate)",
  ]);
  expect(await desk.eventCount()).toBe(before);

  // A surrogate pair is one character (an emoji), and stays accepted as sent.
  await desk.expect(201, 'POST', '/requests/plain/comments', { as: agent(), body: { body: 'thanks \ud83d\ude00', visibility: 'public' } });
  const { position } = await desk.expect(201, 'POST', '/departments', { body: { id: 'smiles', name: 'Smiles \u{1F600}' } });
  const projections = desk.readSide.statuses().map((status) => status.name);
  expect(await desk.readSide.waitFor(projections, BigInt(position), 10_000)).toBe(true);
  const history = await desk.expect(200, 'GET', '/requests/plain/history');
  expect(JSON.stringify(history)).toContain('thanks \u{1F600}');
}

describe('text that is not well-formed Unicode (embedded stores)', () => {
  it('is a 400 naming the field, a 401 in a token subject, and appends nothing', async () => {
    const desk = await TestDesk.start();
    try {
      await refusesLoneSurrogates(desk);
    } finally {
      await desk.stop();
    }
  });
});

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describe('text that is not well-formed Unicode (PostgreSQL)', () => {
    it('is a 400 naming the field on the PostgreSQL event store, not a 500, and appends nothing', async () => {
      const schema = freshSchema('lone_surrogate');
      const store: EventStore = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
      const desk = await TestDesk.start({ store });
      try {
        await refusesLoneSurrogates(desk);
      } finally {
        await desk.stop();
        await store.close();
        await dropSchema(databaseUrl, schema);
      }
    });

    it('never reaches PostgreSQL read models fed from the embedded log, which stay running', async () => {
      const schema = freshSchema('lone_surrogate_read');
      const readModels: ReadModelStore = await createReadModelStore({ dataDir: '', databaseUrl, schema });
      const desk = await TestDesk.start({ readModels });
      try {
        await refusesLoneSurrogates(desk);
        const states = desk.readSide.statuses().map((status) => [status.name, status.state]);
        expect(states).toEqual(states.map(([name]) => [name, 'running']));
      } finally {
        await desk.stop();
        await dropSchema(databaseUrl, schema);
      }
    });
  });
} else {
  describeSkipped('text that is not well-formed Unicode (PostgreSQL)', 'DATABASE_URL is not set');
}
