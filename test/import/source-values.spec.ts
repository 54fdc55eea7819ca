import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Node's own Punycode encoder (deprecated for applications, kept by Node): an oracle independent of the importer's.
import * as nodePunycode from 'node:punycode';
import { importCsv, importedId, parseMapping, punycode, sourceId, type ImportMapping } from '@desk/application';
import { ID_PATTERN } from '@desk/domain';
import { SqliteEventStore, type RecordedEvent } from '@desk/event-store';
import { readWholeLog } from '../support/shared-event-stores';

/**
 * The source's values as the importer reads them: missing-value markers (the mapping's, or a column's own) are no
 * value, never an entity; ids keep every letter of any script and never join two source values silently.
 */
const ROOT = join(__dirname, '../..');
const HEADER = readFileSync('/work/shared/data/bpi2013/volvo-it-incidents.csv', 'utf8').split('\n')[0];
const volvo = () => JSON.parse(readFileSync(join(ROOT, 'mappings/volvo-it-incidents.json'), 'utf8'));

const quoted = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
interface Row {
  id?: string;
  time?: string;
  status?: [string, string];
  team?: string;
  org?: string;
  level?: string;
  product?: string;
  resource?: string;
}
const row = (r: Row) =>
  [
    r.id ?? '1-1',
    r.time ?? '2012-01-02T09:00:00',
    ...(r.status ?? ['Accepted', 'Assigned']),
    'x',
    'x',
    'A2_4',
    r.org ?? 'Org line A2',
    r.team ?? 'V30',
    r.team ?? 'V30',
    r.level ?? 'L1',
    'Medium',
    r.product ?? 'PROD1',
    'fr',
    'France',
    'Frederic',
    r.resource ?? 'fr-Frederic',
  ]
    .map(quoted)
    .join(',');

/** Who the log registered: departments, customers and agents, by id with their names. */
function registered(events: RecordedEvent[]) {
  const named = (type: string, key: string) =>
    events
      .filter((event) => event.type === type)
      .map((event) => [String(event.data[key]), String(event.data.name)])
      .sort();
  return {
    departments: named('DepartmentRegistered', 'departmentId'),
    customers: named('CustomerRegistered', 'customerId'),
    agents: named('AgentRegistered', 'agentId'),
  };
}

describe('source ids', () => {
  // The encodings are those of RFC 3492's own examples and of Python's punycode codec.
  it('writes words of other scripts in Punycode (RFC 3492), keeping plain Latin ids as they were', () => {
    expect([punycode('пример'), punycode('日本語'), punycode('bücher')]).toEqual(['e1afmkfd', 'wgv71a119e', 'bcher-kva']);
    expect(['V5 3rd', 'fr-Frederic', 'Org line A2', 'Crème brûlée'].map(sourceId)).toEqual([
      'v5-3rd',
      'fr-frederic',
      'org-line-a2',
      'creme-brulee',
    ]);
    expect(['Служба ИТ', 'IT Отдел', '日本語', 'Straße'].map(sourceId)).toEqual([
      'xn--80abot3an-xn--h1au',
      'it-xn--d1acsju',
      'xn--wgv71a119e',
      'xn--strae-oqa',
    ]);
  });

  it("binds an import's id to its source, within the length an id may have", () => {
    expect(importedId('bpi2013-volvo', 'Org line A2')).toBe('bpi2013-volvo:org-line-a2');
    const source = 's'.repeat(40);
    const long = importedId(source, 'a'.repeat(300))!;
    expect([long.length, long.startsWith(`${source}:a`)]).toEqual([128, true]);
    expect(long).toMatch(ID_PATTERN);
    expect(importedId('bpi2013-volvo', '?!')).toBeNull();
  });

  it('gives no id to a value without a letter or digit, never a made-up one', () => {
    expect(['?', '-', '...', '😀', ' ', '—', '()'].map(sourceId)).toEqual([null, null, null, null, null, null, null]);
  });

  it('gives distinct words of any script distinct ids, each a valid id, in the Punycode Node itself writes', () => {
    const letter = fc.constantFrom(...'abcxyz019абвжщя日本語中文αβγשלוםعربي'.split(''));
    fc.assert(
      fc.property(
        fc.string({ unit: letter, minLength: 1, maxLength: 12 }),
        fc.string({ unit: letter, minLength: 1, maxLength: 12 }),
        (a, b) => {
          const [idA, idB] = [sourceId(a), sourceId(b)];
          expect(idA).toMatch(ID_PATTERN);
          expect(idA).toBe(/^[a-z0-9]+$/.test(a) ? a : `xn--${nodePunycode.encode(a)}`);
          expect(idA === idB).toBe(a === b);
        },
      ),
      { seed: 20261204, numRuns: 500 },
    );
  });
});

describe('importing values that are missing, of other scripts, or that fold together', () => {
  let dir: string;
  let tried = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-source-values-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const importRows = async (mapping: ImportMapping, ...rows: string[]) => {
    const file = join(dir, `log-${++tried}.csv`);
    writeFileSync(file, [HEADER, ...rows].join('\n') + '\n');
    const store = new SqliteEventStore(':memory:');
    try {
      const result = await importCsv({ store, mapping, file });
      return { result, events: await readWholeLog(store) };
    } finally {
      await store.close();
    }
  };

  it('reads the missing-value markers as no value: no team, requester or agent is registered under them', async () => {
    const mapping = parseMapping({ ...volvo(), missing: ['?', '-', 'NULL'] });
    const { result, events } = await importRows(
      mapping,
      row({ resource: '?', product: '-' }),
      row({ id: '1-2', team: '?' }),
      row({ id: '1-3', org: 'NULL' }),
      row({ id: '1-4', level: '-', resource: 'NULL' }),
    );
    expect(result.rejected.map((rejected) => [rejected.line, rejected.reason])).toEqual([
      [3, 'no team in column "Involved ST"'],
      [4, 'no requester in column "Involved Org line 3"'],
    ]);
    expect(registered(events)).toEqual({
      departments: [
        ['bpi2013-volvo:v30', 'V30'],
        ['bpi2013-volvo:volvo-business', 'Volvo business units'],
      ],
      customers: [['bpi2013-volvo:org-line-a2', 'Org line A2']],
      agents: [['bpi2013-volvo:_unassigned', 'Unassigned (imported)']],
    });
    // A missing category is none; a missing tier leaves the request's as it was.
    const opened = events.filter((event) => event.type === 'RequestOpened');
    expect(opened.map((event) => [event.data.requestId, event.data.category ?? null])).toEqual([
      ['bpi2013-volvo:1-1', null],
      ['bpi2013-volvo:1-4', 'PROD1'],
    ]);
  });

  it("lets a column's own list replace the mapping's: there '?' is a value again, and one with no id is refused", async () => {
    const mapping = parseMapping({ ...volvo(), missing: ['?'], agent: { column: 'Resource', missing: ['Siebel'] } });
    const { result, events } = await importRows(
      mapping,
      row({ resource: 'Siebel' }),
      row({ id: '1-2', resource: '?' }),
      row({ id: '1-3', team: '?' }),
    );
    expect(result.rejected.map((rejected) => [rejected.line, rejected.reason])).toEqual([
      [3, 'agent "?" in "Resource" gives no id (it has no letter or digit)'],
      [4, 'no team in column "Involved ST"'],
    ]);
    expect(registered(events).agents).toEqual([['bpi2013-volvo:_unassigned', 'Unassigned (imported)']]);
  });

  it('registers teams, requesters and agents of other scripts under ids of their own', async () => {
    const { result, events } = await importRows(
      parseMapping(volvo()),
      row({ team: 'Служба ИТ', org: '営業部', resource: 'Ελένη' }),
      row({ id: '1-2', team: 'Отдел', org: '経理部', resource: 'Νίκος' }),
    );
    expect(result.rejected).toEqual([]);
    const { departments, customers, agents } = registered(events);
    expect(departments.map(([, name]) => name)).toEqual(expect.arrayContaining(['Служба ИТ', 'Отдел']));
    expect(customers).toEqual(
      [
        [importedId('bpi2013-volvo', '営業部'), '営業部'],
        [importedId('bpi2013-volvo', '経理部'), '経理部'],
      ].sort(),
    );
    expect(new Set([...departments, ...customers, ...agents].map(([id]) => id)).size).toBe(7);
    for (const [id] of [...departments, ...customers, ...agents]) expect(id).not.toBe('bpi2013-volvo:x');
  });

  it('refuses, naming both, a value whose id another value had first: CASE-1 is not case-1, V30 is not v30', async () => {
    const { result, events } = await importRows(
      parseMapping({ ...volvo(), agent: { column: 'Resource' } }),
      row({ id: 'case-1' }),
      row({ id: 'CASE-1', time: '2012-01-02T10:00:00', status: ['Completed', 'Resolved'] }),
      row({ id: '1-2', team: 'v30' }),
      row({ id: '1-3', org: 'ORG LINE A2' }),
      row({ id: '1-4', resource: 'FR-Frédéric' }),
    );
    expect(result.rejected.map((rejected) => [rejected.line, rejected.reason])).toEqual([
      [3, 'case "CASE-1" gives the id bpi2013-volvo:case-1, which case "case-1" (line 2) has: two values of the source cannot share an id'],
      [4, 'team "v30" gives the id bpi2013-volvo:v30, which team "V30" (line 2) has: two values of the source cannot share an id'],
      [
        5,
        'requester "ORG LINE A2" gives the id bpi2013-volvo:org-line-a2, which requester "Org line A2" (line 2) has: two values of the source cannot share an id',
      ],
      [
        6,
        'agent "FR-Frédéric" gives the id bpi2013-volvo:fr-frederic, which agent "fr-Frederic" (line 2) has: two values of the source cannot share an id',
      ],
    ]);
    expect(events.filter((event) => event.type === 'RequestResolved')).toEqual([]);
  });

  it('makes one agent of the spellings of a column whose mapping says they vary (mergeSpellings), named by the first', async () => {
    const mapping = parseMapping({ ...volvo(), agent: { column: 'Resource', mergeSpellings: true } });
    const { result, events } = await importRows(
      mapping,
      row({ resource: 'se-Andrè' }),
      row({ id: '1-2', resource: 'SE-Andre' }),
      row({ id: '1-3', team: 'v30' }),
    );
    expect(result.rejected.map((rejected) => rejected.line)).toEqual([4]);
    expect(registered(events).agents).toEqual([['bpi2013-volvo:se-andre', 'se-Andrè']]);
    expect(events.filter((event) => event.type === 'RequestAssigned').map((event) => event.data.agentId)).toEqual([
      'bpi2013-volvo:se-andre',
      'bpi2013-volvo:se-andre',
    ]);
  });
});
