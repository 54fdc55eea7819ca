import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv, MappingError, parseMapping, ImportFileError, type ImportMapping } from '@desk/application';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@desk/event-store';
import { readWholeLog } from '../support/shared-event-stores';

const VOLVO = '/work/shared/data/bpi2013/volvo-it-incidents.csv';
const ROOT = join(__dirname, '../..');
const mapping = (): ImportMapping => parseMapping(JSON.parse(readFileSync(join(ROOT, 'mappings/volvo-it-incidents.json'), 'utf8')));

/** A CSV with the Volvo header and the given rows. */
function csv(dir: string, rows: string[]): string {
  const header = readFileSync(VOLVO, 'utf8').split('\n')[0];
  const file = join(dir, `slice-${rows.length}-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, [header, ...rows].join('\n') + '\n');
  return file;
}

const row = (
  id: string,
  time: string,
  status: string,
  sub: string,
  team = 'V30',
  level = 'L1',
  impact = 'Medium',
  resource = 'fr-Frederic',
) => `${id},${time},${status},${sub},x,x,A2_4,Org line A2,${team},${team},${level},${impact},PROD582,fr,France,Frederic,${resource}`;

describe('importing a CSV event log', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-import-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers each agent it meets in the first team, joining each further team the log shows them in, once; one registered already only joins the teams they are new to', async () => {
    const rows = [
      row('1-1', '2012-01-02T09:00:00+01:00', 'Accepted', 'In Progress', 'V30', 'L2'),
      row('1-1', '2012-01-02T10:00:00+01:00', 'Accepted', 'In Progress', 'V5 3rd', 'L2'),
      row('1-2', '2012-01-02T11:00:00+01:00', 'Accepted', 'In Progress', 'V5 3rd', 'L1', 'Medium', 'be-Anne Claire'),
    ];
    const file = csv(dir, rows);
    const first = await importCsv({ store, mapping: mapping(), file });
    expect(first.rowsRejected).toBe(0);
    const frederic = await store.readStream('agent-bpi2013-volvo:fr-frederic');
    expect(frederic.map((event) => [event.type, event.data, event.metadata.occurredAt])).toEqual([
      [
        'AgentRegistered',
        { agentId: 'bpi2013-volvo:fr-frederic', name: 'fr-Frederic', departmentIds: ['bpi2013-volvo:v30'], tier: 'L2' },
        '2012-01-02T08:00:00.000Z',
      ],
      [
        'AgentDepartmentsChanged',
        {
          agentId: 'bpi2013-volvo:fr-frederic',
          departmentIds: ['bpi2013-volvo:v30', 'bpi2013-volvo:v5-3rd'],
          joined: ['bpi2013-volvo:v5-3rd'],
          left: [],
        },
        '2012-01-02T08:00:00.000Z',
      ],
    ]);
    // The file's first row imported first, then the whole file (a longer export, or a cut import resumed): the same events.
    const prefixDir = mkdtempSync(join(tmpdir(), 'desk-import-prefix-'));
    const prefixStore = new SqliteEventStore(join(prefixDir, 'events.sqlite'));
    try {
      await importCsv({ store: prefixStore, mapping: mapping(), file: csv(prefixDir, rows.slice(0, 1)) });
      await importCsv({ store: prefixStore, mapping: mapping(), file: csv(prefixDir, rows) });
      const shape = (events: typeof frederic) => events.map((event) => [event.id, event.type, event.data]);
      expect(shape(await prefixStore.readStream('agent-bpi2013-volvo:fr-frederic'))).toEqual(shape(frederic));
    } finally {
      await prefixStore.close();
      rmSync(prefixDir, { recursive: true, force: true });
    }
    expect((await store.readStream('agent-bpi2013-volvo:be-anne-claire')).map((event) => event.data)).toEqual([
      { agentId: 'bpi2013-volvo:be-anne-claire', name: 'be-Anne Claire', departmentIds: ['bpi2013-volvo:v5-3rd'], tier: 'L1' },
    ]);
    const again = await importCsv({ store, mapping: mapping(), file });
    expect(again.eventsAppended).toBe(0);

    const more = csv(dir, [
      row('1-3', '2012-01-03T09:00:00+01:00', 'Accepted', 'In Progress', 'V13 2nd', 'L1', 'Medium', 'be-Anne Claire'),
    ]);
    expect((await importCsv({ store, mapping: mapping(), file: more })).rowsRejected).toBe(0);
    expect((await store.readStream('agent-bpi2013-volvo:be-anne-claire')).map((event) => [event.type, event.data])).toEqual([
      [
        'AgentRegistered',
        { agentId: 'bpi2013-volvo:be-anne-claire', name: 'be-Anne Claire', departmentIds: ['bpi2013-volvo:v5-3rd'], tier: 'L1' },
      ],
      [
        'AgentDepartmentsChanged',
        {
          agentId: 'bpi2013-volvo:be-anne-claire',
          departmentIds: ['bpi2013-volvo:v5-3rd', 'bpi2013-volvo:v13-2nd'],
          joined: ['bpi2013-volvo:v13-2nd'],
          left: [],
        },
      ],
    ]);
  });

  it('derives the lifecycle events of a case from its consecutive snapshots, at the times of the data', async () => {
    const file = csv(dir, [
      row('1-1', '2012-01-02T09:00:00+01:00', 'Queued', 'Awaiting Assignment'),
      row('1-1', '2012-01-02T09:00:00+01:00', 'Queued', 'Awaiting Assignment'),
      row('1-1', '2012-01-02T09:30:00+01:00', 'Accepted', 'In Progress'),
      row('1-1', '2012-01-02T10:00:00+01:00', 'Accepted', 'Wait - User'),
      row('1-1', '2012-01-02T11:00:00+01:00', 'Accepted', 'In Progress', 'V5 3rd', 'L2', 'High', 'be-Anne Claire'),
      row('1-1', '2012-01-02T12:00:00+01:00', 'Completed', 'Resolved', 'V5 3rd', 'L2', 'High', 'be-Anne Claire'),
      row('1-1', '2012-01-03T12:00:00+01:00', 'Completed', 'Closed', 'V5 3rd', 'L2', 'High', 'be-Anne Claire'),
    ]);
    const result = await importCsv({ store, mapping: mapping(), file });
    expect(result).toMatchObject({ rowsRead: 7, casesTotal: 1, rowsImported: 6, rowsUnchanged: 1, rowsRejected: 0 });
    const stream = await store.readStream('request-bpi2013-volvo:1-1');
    expect(stream.map((event) => [event.type, event.metadata.occurredAt])).toEqual([
      ['RequestOpened', '2012-01-02T08:00:00.000Z'],
      ['RequestAssigned', '2012-01-02T08:30:00.000Z'],
      ['RequestWorkStarted', '2012-01-02T08:30:00.000Z'],
      ['RequestPutOnHold', '2012-01-02T09:00:00.000Z'],
      ['RequestResumed', '2012-01-02T10:00:00.000Z'],
      ['RequestTransferred', '2012-01-02T10:00:00.000Z'],
      ['RequestEscalated', '2012-01-02T10:00:00.000Z'],
      ['RequestPriorityChanged', '2012-01-02T10:00:00.000Z'],
      ['RequestAssigned', '2012-01-02T10:00:00.000Z'],
      ['RequestWorkStarted', '2012-01-02T10:00:00.000Z'],
      ['RequestResolved', '2012-01-02T11:00:00.000Z'],
      ['RequestClosed', '2012-01-03T11:00:00.000Z'],
    ]);
    expect(stream[0].data).toMatchObject({
      requesterId: 'bpi2013-volvo:org-line-a2',
      departmentId: 'bpi2013-volvo:v30',
      priority: 'medium',
      channel: 'import',
      category: 'PROD582',
      subject: 'PROD582 incident in fr',
    });
    expect(stream[3].data).toMatchObject({ reason: 'awaiting_requester', clockPaused: true });
    expect(stream[5].data).toMatchObject({ toDepartmentId: 'bpi2013-volvo:v5-3rd' });
    expect(stream[8].data).toMatchObject({ agentId: 'bpi2013-volvo:be-anne-claire' });
    expect(stream[0].metadata).toMatchObject({ importSource: 'bpi2013-volvo', importRow: 2, actor: 'import:bpi2013-volvo' });
    const team = (await store.readStream('department-bpi2013-volvo:v5-3rd'))[0];
    expect([team.data, team.metadata.occurredAt]).toEqual([
      { departmentId: 'bpi2013-volvo:v5-3rd', name: 'V5 3rd' },
      '2012-01-02T10:00:00.000Z',
    ]);
    expect((await store.readStream('department-bpi2013-volvo:volvo-business'))[0].metadata.occurredAt).toBe('2012-01-02T08:00:00.000Z');
    expect((await store.readStream('customer-bpi2013-volvo:org-line-a2'))[0].data).toMatchObject({
      type: 'internal',
      departmentId: 'bpi2013-volvo:volvo-business',
    });
  });

  it('rejects rows it cannot map or the lifecycle cannot reach, with the reason, and goes on', async () => {
    const file = csv(dir, [
      row('2-1', '2012-01-02T09:00:00+01:00', 'Completed', 'Closed'),
      row('2-1', '2012-01-02T10:00:00+01:00', 'Accepted', 'In Progress'),
      row('2-2', 'yesterday', 'Queued', 'Awaiting Assignment'),
      row('2-3', '2012-01-02T09:00:00+01:00', 'Unmatched', 'Unmatched'),
      row('2-4', '2012-01-02T09:00:00+01:00', 'Accepted', 'Dreaming'),
      row('2-5', '2012-01-02T09:00:00+01:00', 'Queued', 'Awaiting Assignment', 'V30', 'L1', 'Apocalyptic'),
      row('', '2012-01-02T09:00:00+01:00', 'Queued', 'Awaiting Assignment'),
      '2-6,"2012-01-02T09:00:00+01:00,Queued',
      row('2-7', '2012-01-02T09:00:00+01:00', 'Queued', 'Awaiting Assignment'),
    ]);
    const result = await importCsv({ store, mapping: mapping(), file });
    expect(result.rejected.map((r) => [r.line, r.caseId, r.reason])).toEqual([
      [3, '2-1', 'request bpi2013-volvo:2-1 is closed: it cannot become in_progress'],
      [4, '2-2', '"yesterday" in "Change Date+Time" is not a time in the format iso8601'],
      [5, '2-3', 'status "Unmatched/Unmatched" is mapped to reject'],
      [6, '2-4', 'status "Accepted/Dreaming" is not in the mapping'],
      [7, '2-5', 'priority "Apocalyptic" is not in the mapping'],
      [8, '', 'no case id in column "SR Number"'],
      // The unclosed quote runs into the next line: the record is reported where it ends.
      [10, '', expect.stringMatching(/^not a valid CSV record/)],
    ]);
    expect(result).toMatchObject({ rowsRead: 8, casesTotal: 1 });
    expect((await store.readStream('request-bpi2013-volvo:2-1')).map((event) => event.type)).toEqual([
      'RequestOpened',
      'RequestAssigned',
      'RequestResolved',
      'RequestClosed',
    ]);
  });

  it('imports a slice of the Volvo log once: a second run appends nothing', async () => {
    const file = csv(dir, readFileSync(VOLVO, 'utf8').split('\n').slice(1, 3001));
    const first = await importCsv({ store, mapping: mapping(), file });
    expect(first.rowsRead).toBe(3000);
    expect(first.rowsImported + first.rowsUnchanged + first.rowsRejected).toBe(3000);
    const before = await readWholeLog(store);
    expect(before.length).toBe(first.eventsAppended);
    const second = await importCsv({ store, mapping: mapping(), file });
    expect(second).toMatchObject({ eventsAppended: 0, rowsImported: 0, rowsRejected: first.rowsRejected });
    expect((await readWholeLog(store)).length).toBe(before.length);
  });

  it('resumes after a failure midway to exactly what one uninterrupted run gives', async () => {
    const file = csv(dir, readFileSync(VOLVO, 'utf8').split('\n').slice(1, 2001));
    let appends = 0;
    const failing: EventStore = {
      ...bind(store),
      appendToStream: async (...args) => {
        if (++appends === 60) throw new Error('the disk is full');
        return store.appendToStream(...args);
      },
    };
    await expect(importCsv({ store: failing, mapping: mapping(), file, concurrency: 4 })).rejects.toThrow('the disk is full');
    await importCsv({ store, mapping: mapping(), file });

    const clean = new SqliteEventStore(join(dir, 'clean.sqlite'));
    try {
      await importCsv({ store: clean, mapping: mapping(), file });
      const key = (event: RecordedEvent) => `${event.streamId}#${event.revision}:${event.id}:${event.type}`;
      expect((await readWholeLog(store)).map(key).sort()).toEqual((await readWholeLog(clean)).map(key).sort());
    } finally {
      await clean.close();
    }
  });

  it('refuses a bad mapping, naming every problem, and a file without the mapped columns', async () => {
    expect(() =>
      parseMapping({ source: 'x y', caseId: '', status: { columns: ['S'], values: { A: 'sleeping' } }, colour: 'blue' }),
    ).toThrow(MappingError);
    try {
      parseMapping({ source: 'x y', caseId: '', status: { columns: ['S'], values: { A: 'sleeping' } }, colour: 'blue' });
    } catch (error) {
      expect((error as MappingError).problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^colour is not a field of the mapping \(source, missing, caseId, /),
          'source: "x y" must be 1–40 letters, digits or . _ - (names the source in event metadata and import actor ids)',
          'caseId must be a non-empty string',
          expect.stringMatching(/^status.values.A: "sleeping" is not one of new, assigned, in_progress, on_hold:awaiting_requester, /),
          'priority is required',
        ]),
      );
    }
    const file = join(dir, 'other.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    await expect(importCsv({ store, mapping: mapping(), file })).rejects.toThrow(ImportFileError);
    expect(await readWholeLog(store)).toEqual([]);
  });
});

function bind(store: EventStore): EventStore {
  return {
    appendToStream: (...args) => store.appendToStream(...args),
    readStream: (...args) => store.readStream(...args),
    readAll: (...args) => store.readAll(...args),
    subscribeToAll: (...args) => store.subscribeToAll(...args),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
