import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv, MappingError, parseMapping } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { GENERIC_HEADER, genericMapping, genericMappingJson, typesAndTimes, writeGenericLog } from './generic-log';

/** The case's own opened, resolved and closed times, used where they are more exact than the snapshot row's time. */
describe('opened, resolved and closed time columns', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-milestones-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const HEADER = [...GENERIC_HEADER, 'opened_at', 'resolved_at', 'closed_at'];
  const mapping = () =>
    genericMapping({
      times: {
        opened: { column: 'opened_at' },
        resolved: { column: 'resolved_at', format: 'D/M/YYYY HH:mm', timeZone: 'Europe/Brussels' },
        closed: { column: 'closed_at' },
      },
    });

  it('opens, resolves and closes at the source’s times when they lie within the row’s own window, the steps before at them too', async () => {
    const opened = '2024-05-06T08:12:00Z';
    const file = writeGenericLog(
      dir,
      [
        { number: 'T1', updated: '2024-05-06T09:00:00Z', state: 'In Progress', assigned_to: 'Bob', opened_at: opened },
        // Resolved at 11:40 Brussels (09:40 UTC) by Eve, written at 10:00; closed at 10:30, written at 11:00.
        {
          number: 'T1',
          updated: '2024-05-06T10:00:00Z',
          state: 'Resolved',
          assigned_to: 'Eve',
          opened_at: opened,
          resolved_at: '6/5/2024 11:40',
        },
        {
          number: 'T1',
          updated: '2024-05-06T11:00:00Z',
          state: 'Closed',
          assigned_to: 'Eve',
          opened_at: opened,
          resolved_at: '6/5/2024 11:40',
          closed_at: '2024-05-06T10:30:00Z',
        },
      ],
      HEADER,
    );
    const result = await importCsv({ store, mapping: mapping(), file });
    expect(result).toMatchObject({ rowsImported: 3, rowsRejected: 0, notApplied: [] });
    expect(typesAndTimes(await store.readStream('request-generic:t1'))).toEqual([
      ['RequestOpened', '2024-05-06T08:12:00.000Z'],
      ['RequestAssigned', '2024-05-06T09:00:00.000Z'],
      ['RequestWorkStarted', '2024-05-06T09:00:00.000Z'],
      ['RequestAssigned', '2024-05-06T09:40:00.000Z'],
      ['RequestResolved', '2024-05-06T09:40:00.000Z'],
      ['RequestClosed', '2024-05-06T10:30:00.000Z'],
    ]);
  });

  it('keeps the row’s time, and says so, when the source’s time is before the previous row, after the row, or not a time', async () => {
    const file = writeGenericLog(
      dir,
      [
        {
          number: 'T2',
          updated: '2024-05-06T09:00:00Z',
          state: 'In Progress',
          assigned_to: 'Bob',
          opened_at: '2024-05-06T09:30:00Z',
        },
        { number: 'T2', updated: '2024-05-06T10:00:00Z', state: 'Resolved', assigned_to: 'Bob', resolved_at: '6/5/2024 10:30' },
        { number: 'T2', updated: '2024-05-06T11:00:00Z', state: 'Closed', assigned_to: 'Bob', closed_at: 'soon' },
      ],
      HEADER,
    );
    const result = await importCsv({ store, mapping: mapping(), file });
    expect(result.notApplied.map(({ line, field, value, reason }) => [line, field, value, reason])).toEqual([
      [
        2,
        'opened',
        '2024-05-06T09:30:00Z',
        expect.stringMatching(/^not after the case's previous row or after the row's own time \(2024-05-06T09:00:00.000Z\)/),
      ],
      [3, 'resolved', '6/5/2024 10:30', expect.stringMatching(/^not after the case's previous row \(2024-05-06T09:00:00.000Z\) or after/)],
      [4, 'closed', 'soon', "not a time in the column's format: the row's own time was used"],
    ]);
    expect(typesAndTimes(await store.readStream('request-generic:t2')).map(([, at]) => at)).toEqual([
      '2024-05-06T09:00:00.000Z',
      '2024-05-06T09:00:00.000Z',
      '2024-05-06T09:00:00.000Z',
      '2024-05-06T10:00:00.000Z',
      '2024-05-06T11:00:00.000Z',
    ]);
  });

  it('names the path of a bad time column', () => {
    try {
      parseMapping(genericMappingJson({ times: { resolved: { column: 'resolved_at', timeZone: 'Mars/Olympus' }, due: { column: 'x' } } }));
      throw new Error('accepted');
    } catch (error) {
      expect((error as MappingError).problems).toEqual(['times.due is not a field of times (opened, resolved, closed)']);
    }
    expect(() => parseMapping(genericMappingJson({ times: { resolved: { column: 'resolved_at', timeZone: 'Mars/Olympus' } } }))).toThrow(
      'times.resolved.timeZone: Mars/Olympus is not a time zone',
    );
  });
});
