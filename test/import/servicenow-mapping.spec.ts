import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv, parseMapping } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { typesAndTimes, writeGenericLog } from './generic-log';

/** mappings/servicenow-incidents.json on a log of that shape: "?" for empty values, snapshot rows, a second cycle after Closed. */
describe('the ServiceNow-style mapping', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-servicenow-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const HEADER = [
    'number',
    'incident_state',
    'caller_id',
    'opened_at',
    'category',
    'priority',
    'assignment_group',
    'assigned_to',
    'resolved_at',
    'closed_at',
    'sys_updated_at',
  ];
  const mapping = () => parseMapping(JSON.parse(readFileSync(join(__dirname, '../../mappings/servicenow-incidents.json'), 'utf8')));

  it('imports an incident worked, held, resolved, closed and worked again, at the times the source recorded', async () => {
    const base = {
      number: 'INC0000045',
      caller_id: 'Caller 2403',
      opened_at: '29/2/2016 01:16',
      category: 'Category 55',
      priority: '3 - Moderate',
    };
    const file = writeGenericLog(
      dir,
      [
        { ...base, incident_state: 'New', assignment_group: 'Group 56', sys_updated_at: '29/2/2016 01:23' },
        { ...base, incident_state: 'New', assignment_group: 'Group 56', assigned_to: 'Resolver 89', sys_updated_at: '29/2/2016 01:26' },
        { ...base, incident_state: 'Active', assignment_group: 'Group 56', assigned_to: 'Resolver 89', sys_updated_at: '29/2/2016 08:53' },
        {
          ...base,
          incident_state: 'Awaiting User Info',
          assignment_group: 'Group 56',
          assigned_to: 'Resolver 31',
          sys_updated_at: '29/2/2016 09:10',
        },
        {
          ...base,
          incident_state: 'Resolved',
          assignment_group: 'Group 56',
          assigned_to: 'Resolver 31',
          resolved_at: '29/2/2016 11:29',
          sys_updated_at: '29/2/2016 11:30',
        },
        {
          ...base,
          incident_state: 'Closed',
          assignment_group: 'Group 56',
          assigned_to: 'Resolver 31',
          resolved_at: '29/2/2016 11:29',
          closed_at: '5/3/2016 12:00',
          sys_updated_at: '5/3/2016 12:00',
        },
        {
          ...base,
          incident_state: 'Active',
          assignment_group: 'Group 70',
          assigned_to: '?',
          sys_updated_at: '7/3/2016 09:00',
          priority: '?',
        },
        { ...base, incident_state: '-100', assignment_group: 'Group 70', sys_updated_at: '7/3/2016 09:05' },
      ],
      HEADER,
    );
    const result = await importCsv({ store, mapping: mapping(), file });
    expect(result).toMatchObject({ rowsRead: 8, rowsImported: 7, rowsRejected: 1, notApplied: [] });
    expect(result.rejected.map(({ line, reason }) => [line, reason])).toEqual([[9, 'status "-100" is mapped to reject']]);
    expect(typesAndTimes(await store.readStream('request-servicenow:inc0000045'))).toEqual([
      ['RequestOpened', '2016-02-29T01:16:00.000Z'],
      ['RequestAssigned', '2016-02-29T01:26:00.000Z'],
      ['RequestWorkStarted', '2016-02-29T08:53:00.000Z'],
      ['RequestAssigned', '2016-02-29T09:10:00.000Z'],
      ['RequestPutOnHold', '2016-02-29T09:10:00.000Z'],
      ['RequestResolved', '2016-02-29T11:29:00.000Z'],
      ['RequestClosed', '2016-03-05T12:00:00.000Z'],
      ['RequestReopened', '2016-03-07T09:00:00.000Z'],
      ['RequestTransferred', '2016-03-07T09:00:00.000Z'],
    ]);
    const assigned = (await store.readStream('request-servicenow:inc0000045')).filter((event) => event.type === 'RequestAssigned');
    // "New" naming an agent is assigned (a status rule); the agent on the row that puts it on hold is kept.
    expect(assigned.map((event) => event.data.agentId)).toEqual(['servicenow:resolver-89', 'servicenow:resolver-31']);
    // The second cycle waits in Group 70's queue ("Active" with nobody assigned is new): no agent is made of "?".
    expect(await store.readStream('agent-servicenow:x')).toEqual([]);
  });
});
