import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv, parseMapping, type ImportMapping } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { readWholeLog } from '../support/shared-event-stores';

/**
 * Generated CSV logs thrown at the importer: well-formed rows with hostile
 * values, rows in any order, malformed records. Whatever comes, the import
 * finishes, accounts for every row (imported, unchanged, or rejected with a
 * reason), leaves each stream's revisions contiguous, and a second run adds
 * nothing. Seeded: RELIABILITY_SEED reproduces a run, RELIABILITY_SCALE runs more.
 */
const ROOT = join(__dirname, '../..');
const HEADER = readFileSync('/work/shared/data/bpi2013/volvo-it-incidents.csv', 'utf8').split('\n')[0];
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261124);
const RUNS = 40 * Number(process.env.RELIABILITY_SCALE ?? 1);
const mapping = (): ImportMapping => parseMapping(JSON.parse(readFileSync(join(ROOT, 'mappings/volvo-it-incidents.json'), 'utf8')));

const quoted = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

const hostileText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', ' ', '\u0000', '"', ',', '\n', '__proto__', 'constructor', 'é', '😀', 'x'.repeat(300), '-1', 'NaN'),
);
const status = fc.oneof(
  fc.constantFrom(
    ['Queued', 'Awaiting Assignment'],
    ['Accepted', 'In Progress'],
    ['Accepted', 'Assigned'],
    ['Accepted', 'Wait - User'],
    ['Completed', 'Resolved'],
    ['Completed', 'Closed'],
    ['Completed', 'Cancelled'],
    ['Unmatched', 'Unmatched'],
  ),
  fc.tuple(hostileText, hostileText),
);
const time = fc.oneof(
  fc
    .date({ min: new Date('2010-01-01T00:00:00Z'), max: new Date('2012-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 19)),
  hostileText,
);
const row = fc
  .record({
    caseId: fc.oneof(fc.constantFrom('1-1', '1-2', '1-3', '1-4'), hostileText),
    time,
    status,
    team: fc.oneof(fc.constantFrom('V30', 'G97', 'N5'), hostileText),
    level: fc.oneof(fc.constantFrom('L1', 'L2', 'L2/L3'), hostileText),
    impact: fc.oneof(fc.constantFrom('Low', 'Medium', 'High', 'Major'), hostileText),
    org: fc.oneof(fc.constantFrom('Org line A2', 'Org line C'), hostileText),
    resource: fc.oneof(fc.constantFrom('fr-Frederic', 'Siebel'), hostileText),
    product: hostileText,
  })
  .map((r) =>
    [
      r.caseId,
      r.time,
      r.status[0],
      r.status[1],
      'x',
      'x',
      'A2_4',
      r.org,
      r.team,
      r.team,
      r.level,
      r.impact,
      r.product,
      'fr',
      'France',
      'Frederic',
      r.resource,
    ]
      .map(quoted)
      .join(','),
  );
// Now and then a line no CSV parser should accept: an unclosed quote, too few fields.
const line = fc.oneof(
  { weight: 9, arbitrary: row },
  { weight: 1, arbitrary: fc.constantFrom('"unclosed,1,2', 'only,three,fields', ',,,,') },
);

describe('the importer under generated CSV logs', () => {
  let dir: string;
  let tried = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-hostile-csv-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`hostile CSV: ${tried} generated logs imported (seed ${SEED})\n`);
  });

  // The counterexamples the property found, each a defect fixed in the importer.
  const importOne = async (...lines: string[]) => {
    const file = join(dir, `case-${++tried}.csv`);
    writeFileSync(file, [HEADER, ...lines].join('\n') + '\n');
    const store = new SqliteEventStore(':memory:');
    try {
      return { result: await importCsv({ store, mapping: mapping(), file }), events: await readWholeLog(store) };
    } finally {
      await store.close();
    }
  };
  const volvoRow = (fields: { team?: string; org?: string; impact?: string }) =>
    [
      '1-1',
      '2010-01-01T00:00:00',
      'Queued',
      'Awaiting Assignment',
      'x',
      'x',
      'A2_4',
      fields.org ?? 'Org line A2',
      fields.team ?? 'V30',
      fields.team ?? 'V30',
      'L1',
      fields.impact ?? 'Low',
      'PROD1',
      'fr',
      'France',
      'Frederic',
      'fr-Frederic',
    ]
      .map(quoted)
      .join(',');

  it('reads the mapped columns from the header, so a malformed first record is only that record rejected', async () => {
    const { result } = await importOne('"unclosed,1,2');
    expect(result.rejected.map((rejected) => rejected.reason)).toEqual([expect.stringMatching(/^not a valid CSV record/)]);
  });

  it("registers nothing, not even the requesters' department, when no row names a requester", async () => {
    const { result, events } = await importOne(volvoRow({ org: '' }));
    expect(result.rejected.map((rejected) => rejected.reason)).toEqual(['no requester in column "Involved Org line 3"']);
    expect(events).toEqual([]);
  });

  it('rejects a row whose team or requester name the desk cannot register, and goes on', async () => {
    const long = 'x'.repeat(300);
    const { result, events } = await importOne(
      volvoRow({ team: long }),
      volvoRow({ org: long }),
      volvoRow({ team: '😀' }),
      volvoRow({ org: '?!' }),
    );
    // A name with no letter or digit gives no id: it is refused, not folded to a made-up one.
    expect(result.rejected.map((rejected) => rejected.reason)).toEqual([
      expect.stringMatching(/^team "x+" in "Involved ST" is longer than 200 characters$/),
      expect.stringMatching(/^requester "x+" in "Involved Org line 3" is longer than 200 characters$/),
      'team "😀" in "Involved ST" gives no id (it has no letter or digit)',
      'requester "?!" in "Involved Org line 3" gives no id (it has no letter or digit)',
    ]);
    expect(events).toEqual([]);
  });

  it('maps values by the mapping\'s own entries only: "__proto__" is not a priority', async () => {
    const { result, events } = await importOne(volvoRow({ impact: '__proto__' }), volvoRow({ impact: 'constructor' }));
    expect(result.rejected.map((rejected) => rejected.reason)).toEqual([
      'priority "__proto__" is not in the mapping',
      'priority "constructor" is not in the mapping',
    ]);
    expect(events).toEqual([]);
  });

  it('finishes, accounts for every row, keeps streams contiguous, and a second run adds nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 25 }), async (lines) => {
        tried++;
        const file = join(dir, `log-${tried}.csv`);
        writeFileSync(file, [HEADER, ...lines].join('\n') + '\n');
        const store = new SqliteEventStore(':memory:');
        try {
          const first = await importCsv({ store, mapping: mapping(), file });
          for (const rejected of first.rejected) expect(rejected.reason).toMatch(/\S/);
          // Every record read is imported, unchanged or rejected; a malformed one may be counted as read as well as rejected.
          const malformed = first.rejected.filter((rejected) => rejected.reason.startsWith('not a valid CSV record')).length;
          const accounted = first.rowsImported + first.rowsUnchanged + first.rowsAlreadyImported + first.rejected.length;
          expect(accounted).toBeGreaterThanOrEqual(first.rowsRead);
          expect(accounted - malformed).toBeLessThanOrEqual(first.rowsRead);

          const events = await readWholeLog(store);
          const revisions = new Map<string, bigint>();
          for (const event of events) {
            expect(event.revision).toBe((revisions.get(event.streamId) ?? -1n) + 1n);
            revisions.set(event.streamId, event.revision);
          }

          const again = await importCsv({ store, mapping: mapping(), file });
          expect(again.eventsAppended).toBe(0);
          expect(await readWholeLog(store)).toEqual(events);
        } finally {
          await store.close();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
