import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { genericMapping, typesAndTimes, writeGenericLog, type GenericRow } from './generic-log';

/**
 * Nothing a row says is dropped without a word: what the lifecycle can hold is represented (a handover while on
 * hold, a transfer after resolution when the mapping asks for it), and every other value of an imported row the
 * request does not hold afterwards is listed with its row, field, source value and why.
 */
describe('what an import could not apply', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-not-applied-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const at = (hour: number) => `2024-05-06T${String(hour).padStart(2, '0')}:00:00Z`;
  const run = (rows: GenericRow[], overrides: Record<string, unknown> = {}) =>
    importCsv({ store, mapping: genericMapping(overrides), file: writeGenericLog(dir, rows) });

  it('keeps a handover while on hold: the hold ends, the request is assigned and held again at the same instant', async () => {
    const result = await run([
      { number: 'INC1', updated: at(9), state: 'In Progress', assigned_to: 'Bob' },
      { number: 'INC1', updated: at(10), state: 'On Hold', assigned_to: 'Bob' },
      { number: 'INC1', updated: at(11), state: 'On Hold', assigned_to: 'Eve' },
      { number: 'INC1', updated: at(12), state: 'Resolved', assigned_to: 'Carl' },
    ]);
    expect(result).toMatchObject({ rowsImported: 4, rowsRejected: 0, changesNotApplied: 0, notApplied: [] });
    const events = await store.readStream('request-generic:inc1');
    expect(typesAndTimes(events).slice(3)).toEqual([
      ['RequestPutOnHold', '2024-05-06T10:00:00.000Z'],
      ['RequestResumed', '2024-05-06T11:00:00.000Z'],
      ['RequestAssigned', '2024-05-06T11:00:00.000Z'],
      ['RequestPutOnHold', '2024-05-06T11:00:00.000Z'],
      ['RequestResumed', '2024-05-06T12:00:00.000Z'],
      ['RequestAssigned', '2024-05-06T12:00:00.000Z'],
      ['RequestResolved', '2024-05-06T12:00:00.000Z'],
    ]);
    expect(events.filter((event) => event.type === 'RequestAssigned').map((event) => event.data.agentId)).toEqual([
      'generic:bob',
      'generic:eve',
      'generic:carl',
    ]);
  });

  it('lists a team change after resolution with the lifecycle’s refusal, or transfers when the mapping says afterResolution: transfer', async () => {
    const rows: GenericRow[] = [
      { number: 'INC2', updated: at(9), state: 'In Progress', assigned_to: 'Bob' },
      { number: 'INC2', updated: at(10), state: 'Resolved', assigned_to: 'Bob' },
      { number: 'INC2', updated: at(11), state: 'Resolved', assigned_to: 'Bob', team: 'Network' },
    ];
    const listed = await run(rows);
    expect(listed.changesNotApplied).toBe(1);
    expect(listed.notApplied).toEqual([
      {
        line: 4,
        caseId: 'INC2',
        field: 'team',
        value: 'Network',
        reason: expect.stringMatching(/^cannot transfer a request that is resolved: only .* requests can be transferred/),
      },
    ]);
    expect(listed).toMatchObject({ rowsImported: 2, rowsUnchanged: 1, rowsRejected: 0 });

    await store.close();
    store = new SqliteEventStore(join(dir, 'transferred.sqlite'));
    const transferred = await run(rows, {
      department: { column: 'team', afterResolution: 'transfer' },
    });
    expect(transferred).toMatchObject({ rowsImported: 3, changesNotApplied: 0 });
    const events = typesAndTimes(await store.readStream('request-generic:inc2'));
    expect(events.slice(-5)).toEqual([
      ['RequestResolved', '2024-05-06T10:00:00.000Z'],
      ['RequestReopened', '2024-05-06T11:00:00.000Z'],
      ['RequestTransferred', '2024-05-06T11:00:00.000Z'],
      ['RequestAssigned', '2024-05-06T11:00:00.000Z'],
      ['RequestResolved', '2024-05-06T11:00:00.000Z'],
    ]);
  });

  it('lists each value the request does not hold after its row: row, field, source value and why; the counts beside the rows', async () => {
    const result = await run([
      { number: 'INC3', updated: at(8), state: 'New', assigned_to: 'Bob', tier: 'L2' },
      { number: 'INC3', updated: at(9), state: 'In Progress', assigned_to: 'Bob', tier: 'L1', caller: 'Zoe Ray', category: 'Printer' },
      { number: 'INC3', updated: at(10), state: 'Assigned', assigned_to: 'Bob', tier: 'L2' },
      { number: 'INC3', updated: at(11), state: 'Resolved', assigned_to: 'Bob', tier: 'L2' },
      { number: 'INC3', updated: at(12), state: 'Resolved', assigned_to: 'Bob', tier: 'L3', priority: '1' },
      { number: 'INC3', updated: at(13), state: 'Nope' },
    ]);
    const byField = result.notApplied.map(({ line, field, value, reason }) => [line, field, value, reason]);
    expect(byField).toEqual([
      [2, 'agent', 'Bob', expect.stringMatching(/^the row says new, and an assignment would make the request assigned/)],
      [3, 'tier', 'L1', "the request is at L2: a request's tier only rises, by escalation"],
      [3, 'requester', 'Zoe Ray', "a request's requester is the one it was opened for (generic:ann-smith)"],
      [3, 'category', 'Printer', "a request's category is the one it was opened with (Email)"],
      [4, 'status', 'Assigned', 'the request stays in_progress'],
      [6, 'priority', '1', expect.stringMatching(/^cannot change the priority of a request that is resolved/)],
      [6, 'tier', 'L3', expect.stringMatching(/^cannot escalate a request that is resolved/)],
    ]);
    expect(result).toMatchObject({ rowsRead: 6, rowsImported: 3, rowsUnchanged: 2, rowsRejected: 1, changesNotApplied: 7 });
  });

  it('hands the values not applied to onNotApplied as each case is imported, without holding them in the result too', async () => {
    const rows: GenericRow[] = [
      { number: 'INC5', updated: at(8), state: 'New', assigned_to: 'Bob' },
      { number: 'INC6', updated: at(8), state: 'New', assigned_to: 'Eve' },
    ];
    const streamed: string[] = [];
    const result = await importCsv({
      store,
      mapping: genericMapping(),
      file: writeGenericLog(dir, rows),
      onNotApplied: (changes) => streamed.push(...changes.map((change) => `${change.caseId} ${change.field} ${change.value}`)),
    });
    expect(streamed.sort()).toEqual(['INC5 agent Bob', 'INC6 agent Eve']);
    expect(result).toMatchObject({ changesNotApplied: 2, notApplied: [] });
  });

  describe('a row after Closed', () => {
    const rows: GenericRow[] = [
      { number: 'INC4', updated: at(9), state: 'In Progress', assigned_to: 'Bob' },
      { number: 'INC4', updated: at(10), state: 'Resolved', assigned_to: 'Bob' },
      { number: 'INC4', updated: at(11), state: 'Closed', assigned_to: 'Bob' },
      { number: 'INC4', updated: at(14), state: 'In Progress', assigned_to: 'Eve' },
      { number: 'INC4', updated: at(16), state: 'Resolved', assigned_to: 'Eve' },
      { number: 'INC4', updated: at(17), state: 'Closed', assigned_to: 'Eve' },
    ];

    it('is refused by default (afterClosed: reject): the request ends at its first close', async () => {
      const result = await run(rows);
      expect(result.rejected.map(({ line, reason }) => [line, reason])).toEqual([
        [5, 'request generic:inc4 is closed: it cannot become in_progress'],
        [6, 'request generic:inc4 is closed: it cannot become resolved'],
      ]);
      expect((await store.readStream('request-generic:inc4')).at(-1)!.type).toBe('RequestClosed');
    });

    it('reopens the request at the row’s time with afterClosed: reopen, keeping the second cycle of work', async () => {
      const result = await run(rows, { afterClosed: 'reopen' });
      expect(result).toMatchObject({ rowsImported: 6, rowsRejected: 0, changesNotApplied: 0 });
      expect(typesAndTimes(await store.readStream('request-generic:inc4')).slice(3)).toEqual([
        ['RequestResolved', '2024-05-06T10:00:00.000Z'],
        ['RequestClosed', '2024-05-06T11:00:00.000Z'],
        ['RequestReopened', '2024-05-06T14:00:00.000Z'],
        ['RequestAssigned', '2024-05-06T14:00:00.000Z'],
        ['RequestWorkStarted', '2024-05-06T14:00:00.000Z'],
        ['RequestResolved', '2024-05-06T16:00:00.000Z'],
        ['RequestClosed', '2024-05-06T17:00:00.000Z'],
      ]);
    });

    it('is a mapping error naming the path when afterClosed is neither', () => {
      expect(() => genericMapping({ afterClosed: 'later' })).toThrow('afterClosed: "later" is not one of reject, reopen');
    });
  });
});
