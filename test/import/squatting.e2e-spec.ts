import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv, parseMapping, type ImportMapping } from '@desk/application';
import { seedOrganisation } from '../api/support/org';
import { TestDesk, manager, requester } from '../api/support/test-desk';
import { embeddedStoresOnOneFile, postgresStoresOnOneSchema, type SharedEventStores } from '../support/shared-event-stores';

/**
 * Issue 16, item 3: an import's ids cannot be squatted, either way. Every id an import creates is `<source>:<folded
 * value>`, and only the desk's own processes may create an id holding ':'; so no requester or manager creates a
 * request, customer, department or agent an import later writes into, and an import appends to no stream that a
 * live command or another source created (refused as a case and reported, should one exist from before the scheme).
 */
const VOLVO = '/work/shared/data/bpi2013/volvo-it-incidents.csv';
const ROOT = join(__dirname, '../..');
const volvoMapping = (): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, 'mappings/volvo-it-incidents.json'), 'utf8'));
const mapping = (overrides: Record<string, unknown> = {}): ImportMapping => parseMapping({ ...volvoMapping(), ...overrides });
const RESERVED = "ids with ':' are reserved for the desk's own processes";

/** A Volvo row: case, time, status, sub-status, then the requester (Involved Org line 3) and the team. */
const row = (id: string, time: string, status: string, sub: string, org = 'Org line A2', team = 'V30') =>
  `${id},${time},${status},${sub},x,x,A2_4,${org},${team},${team},L1,Medium,PROD582,fr,France,Frederic,fr-Frederic`;

const stores: [string, () => Promise<SharedEventStores>][] = [['embedded', () => embeddedStoresOnOneFile(1, 'desk-squat-')]];
if (process.env.DATABASE_URL) stores.push(['PostgreSQL', () => postgresStoresOnOneSchema(process.env.DATABASE_URL!, 1, 'desk_squat')]);

for (const [storeName, open] of stores) {
  describe(`imported ids cannot be squatted (${storeName} store)`, () => {
    let shared: SharedEventStores;
    let desk: TestDesk;
    let dir: string;
    let file: string;
    const csv = (rows: string[]) => {
      const header = readFileSync(VOLVO, 'utf8').split('\n')[0];
      const path = join(dir, `log-${randomUUID()}.csv`);
      writeFileSync(path, [header, ...rows].join('\n') + '\n');
      return path;
    };
    const types = async (streamId: string) => (await desk.store.readStream(streamId)).map((event) => event.type);

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'desk-squat-log-'));
      shared = await open();
      desk = await TestDesk.start({ store: shared.stores[0] });
      await seedOrganisation(desk);
      file = csv([
        row('1-1', '2012-01-02T09:00:00+01:00', 'Accepted', 'In Progress', 'Carl'),
        row('1-1', '2012-01-02T10:00:00+01:00', 'Completed', 'Resolved', 'Carl'),
        row('1-2', '2012-01-02T11:00:00+01:00', 'Queued', 'Awaiting Assignment'),
      ]);
    }, 60_000);
    afterEach(async () => {
      await desk.stop();
      await shared.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('refuses a requester opening a request with an id the import will use, and a manager registering its requester, team or agent; the import then creates its own', async () => {
      const before = await desk.eventCount();
      const squat = await desk.call('POST', '/requests', {
        as: requester('carl'),
        body: { id: 'bpi2013-volvo:1-1', requesterId: 'carl', departmentId: 'it', subject: 'Mine now', urgency: 'high' },
      });
      expect([squat.status, squat.body.detail]).toEqual([
        403,
        `a requester may not create request bpi2013-volvo:1-1: ${RESERVED} (an import's are <source>:<id>); only system may`,
      ]);
      const registrations: [string, string, Record<string, unknown>][] = [
        ['/customers', 'customer bpi2013-volvo:carl', { id: 'bpi2013-volvo:carl', name: 'Carl', type: 'external', kind: 'individual' }],
        ['/departments', 'department bpi2013-volvo:v30', { id: 'bpi2013-volvo:v30', name: 'V30' }],
        [
          '/agents',
          'agent bpi2013-volvo:fr-frederic',
          { id: 'bpi2013-volvo:fr-frederic', name: 'Frederic', departmentIds: ['it'], tier: 'L1' },
        ],
      ];
      for (const [url, what, body] of registrations) {
        const answer = await desk.call('POST', url, { as: manager, body });
        expect([url, answer.status, answer.body.detail]).toEqual([
          url,
          403,
          expect.stringContaining(`a manager may not create ${what}: ${RESERVED}`),
        ]);
      }
      expect(await desk.eventCount()).toBe(before);

      // The source's case id as it is names no stream of the import's: any requester may still choose it.
      await desk.expect(201, 'POST', '/requests', {
        as: requester('carl'),
        body: { id: '1-1', requesterId: 'carl', departmentId: 'it', subject: 'My own 1-1', urgency: 'high' },
      });
      const result = await importCsv({ store: desk.store, mapping: mapping(), file });
      expect([result.rowsImported, result.rowsRejected]).toEqual([3, 0]);

      expect(await types('request-1-1')).toEqual(['RequestOpened']);
      const imported = await desk.store.readStream('request-bpi2013-volvo:1-1');
      expect(imported.map((event) => event.type)).toEqual(['RequestOpened', 'RequestAssigned', 'RequestWorkStarted', 'RequestResolved']);
      expect(imported[0].data).toMatchObject({ requesterId: 'bpi2013-volvo:carl', departmentId: 'bpi2013-volvo:v30' });
      // The live Carl and the source's "Carl" stay two customers: the live one reads none of the imported history.
      expect((await desk.store.readStream('customer-carl')).map((event) => event.data.name)).toEqual(['Carl (accounting)']);
      expect((await desk.store.readStream('customer-bpi2013-volvo:carl')).map((event) => event.data.name)).toEqual(['Carl']);
      await desk.expect(404, 'GET', '/requests/bpi2013-volvo:1-1', { as: requester('carl') });
      expect((await desk.expect(200, 'GET', '/requests/1-1', { as: requester('carl') })).subject).toBe('My own 1-1');
    }, 60_000);

    it('never appends to a stream a live command or another source created: two sources give two sets of requests, a planted stream is refused and reported', async () => {
      const first = await importCsv({ store: desk.store, mapping: mapping(), file });
      const second = await importCsv({ store: desk.store, mapping: mapping({ source: 'other-desk' }), file });
      expect([first.rowsImported, second.rowsImported, second.rowsRejected]).toEqual([3, 3, 0]);
      for (const source of ['bpi2013-volvo', 'other-desk']) {
        for (const streamId of [`request-${source}:1-1`, `request-${source}:1-2`, `customer-${source}:carl`, `department-${source}:v30`]) {
          const events = await desk.store.readStream(streamId);
          expect([streamId, events.length > 0, events.every((event) => event.metadata.importSource === source)]).toEqual([
            streamId,
            true,
            true,
          ]);
        }
      }
      expect(await types('request-other-desk:1-1')).toEqual(await types('request-bpi2013-volvo:1-1'));

      // Streams holding the import's ids that it did not create (a store written before the scheme): one by a live
      // command, one by another source's import. Each is a copy of a live request's opening under the import's id.
      await desk.expect(201, 'POST', '/requests', {
        as: requester('carl'),
        body: { id: 'carls', requesterId: 'carl', departmentId: 'it', subject: 'Mine', urgency: 'high' },
      });
      const [live] = await desk.store.readStream('request-carls');
      const plant = async (id: string, metadata: Record<string, unknown>) =>
        desk.store.appendToStream(
          `request-${id}`,
          [{ id: randomUUID(), type: live.type, data: { ...live.data, requestId: id }, metadata: { ...live.metadata, ...metadata } }],
          { expectedRevision: 'no_stream' },
        );
      await plant('bpi2013-volvo:2-1', {});
      await plant('bpi2013-volvo:2-2', { importSource: 'other-desk', importRow: 1 });
      const planted = csv([
        row('2-1', '2012-01-03T09:00:00+01:00', 'Accepted', 'In Progress'),
        row('2-2', '2012-01-03T09:00:00+01:00', 'Accepted', 'In Progress'),
        row('2-3', '2012-01-03T09:00:00+01:00', 'Accepted', 'In Progress'),
      ]);
      const result = await importCsv({ store: desk.store, mapping: mapping(), file: planted });
      expect(result.rejected.map(({ line, caseId, reason }) => [line, caseId, reason])).toEqual([
        [2, '2-1', "request bpi2013-volvo:2-1 was created by a live command, not by this source's import: nothing is appended to it"],
        [
          3,
          '2-2',
          "request bpi2013-volvo:2-2 was created by the import of source other-desk, not by this source's import: nothing is appended to it",
        ],
      ]);
      expect([result.rowsImported, result.rowsRejected]).toEqual([1, 2]);
      expect(await types('request-bpi2013-volvo:2-1')).toEqual(['RequestOpened']);
      expect(await types('request-bpi2013-volvo:2-2')).toEqual(['RequestOpened']);
      expect(await types('request-bpi2013-volvo:2-3')).toEqual(['RequestOpened', 'RequestAssigned', 'RequestWorkStarted']);
    }, 60_000);
  });
}
