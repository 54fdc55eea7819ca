import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv, lookUp, MappingError, parseMapping } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { genericMapping, genericMappingJson, writeGenericLog } from './generic-log';

/** Value maps with patterns and defaults, and statuses that read other columns (the first rule that applies wins). */
describe('value maps and status rules', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-value-maps-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('looks a value up by its own entry first, then by the patterns in order, "*" matching any value', () => {
    const values = { 'Wait - User': 'exact', 'Wait*': 'waiting', '*': 'other', __proto__x: 'x' };
    expect(lookUp(values, 'Wait - User')).toBe('exact');
    expect(lookUp(values, 'Wait - Vendor')).toBe('waiting');
    expect(lookUp(values, 'Done')).toBe('other');
    expect(lookUp({ 'a.c': 1 }, 'abc')).toBeUndefined();
    expect(lookUp({ 'Accepted/*': 1 }, 'Accepted/')).toBe(1);
    expect(lookUp({ Low: 1 }, '__proto__')).toBeUndefined();
  });

  it('gives "Active" the status assigned when an agent is named and in progress otherwise; a wildcard and a default priority', async () => {
    const mapping = genericMapping({
      status: {
        column: 'state',
        rules: [
          { when: { state: 'Active', assigned_to: null }, then: 'in_progress' },
          { when: { state: ['Active', 'Work*'], assigned_to: '*' }, then: 'assigned' },
        ],
        values: { New: 'new', Active: 'in_progress', 'Resolved*': 'resolved' },
        default: 'new',
      },
      priority: { column: 'priority', values: { '1': 'critical', '*': 'low' }, default: 'medium' },
    });
    const at = (hour: number) => `2024-05-06T${String(hour).padStart(2, '0')}:00:00Z`;
    const file = writeGenericLog(dir, [
      { number: 'A1', updated: at(8), state: '?', priority: '?' },
      { number: 'A1', updated: at(9), state: 'Active', assigned_to: 'Bob', priority: '?' },
      { number: 'A1', updated: at(10), state: 'Resolved (by phone)', assigned_to: 'Bob', priority: '?' },
      { number: 'A2', updated: at(9), state: 'Working', assigned_to: 'Eve', priority: '7' },
      { number: 'A3', updated: at(9), state: 'Active', assigned_to: '?', priority: '1' },
    ]);
    const result = await importCsv({ store, mapping, file });
    expect(result).toMatchObject({ rowsRejected: 0 });
    const types = async (stream: string) => (await store.readStream(stream)).map((event) => event.type);
    expect(await types('request-generic:a1')).toEqual(['RequestOpened', 'RequestAssigned', 'RequestResolved']);
    expect((await store.readStream('request-generic:a1'))[0].data).toMatchObject({ priority: 'medium' });
    expect(await types('request-generic:a2')).toEqual(['RequestOpened', 'RequestAssigned']);
    expect((await store.readStream('request-generic:a2'))[0].data).toMatchObject({ priority: 'low' });
    // Active without an agent is in progress: assigned to the import's placeholder (no agent "?" is made), then started.
    expect(await types('request-generic:a3')).toEqual(['RequestOpened', 'RequestAssigned', 'RequestWorkStarted']);
    expect((await store.readStream('request-generic:a3'))[1].data).toMatchObject({ agentId: 'generic:_unassigned' });
    expect(await store.readStream('agent-generic:x')).toEqual([]);
  });

  it('refuses a row whose status columns are all missing when there is no default, and one no entry or rule matches', async () => {
    const file = writeGenericLog(dir, [
      { number: 'B1', updated: '2024-05-06T08:00:00Z', state: '?' },
      { number: 'B2', updated: '2024-05-06T08:00:00Z', state: 'Limbo' },
    ]);
    const result = await importCsv({ store, mapping: genericMapping(), file });
    expect(result.rejected.map(({ line, reason }) => [line, reason])).toEqual([
      [2, 'no status in column "state"'],
      [3, 'status "Limbo" is not in the mapping'],
    ]);
  });

  it('names the path of a bad rule or default', () => {
    const problems = (overrides: Record<string, unknown>) => {
      try {
        parseMapping(genericMappingJson(overrides));
        return [];
      } catch (error) {
        return (error as MappingError).problems;
      }
    };
    expect(
      problems({
        status: { column: 'state', values: {}, rules: [{ when: { state: 3 }, then: 'done' }, { when: {} }], default: 'later' },
        priority: { column: 'priority', values: {}, default: 'urgent' },
      }),
    ).toEqual([
      'status.rules[0].when.state must be a pattern, a list of patterns or null (no value)',
      'status.rules[0].then: "done" is not one of new, assigned, in_progress, on_hold:awaiting_requester, on_hold:awaiting_third_party, on_hold:blocked_by_request, resolved, closed, cancelled, reject',
      'status.rules[1].then is required',
      'status.rules[1].when must NOT have fewer than 1 properties',
      'status.default: "later" is not one of new, assigned, in_progress, on_hold:awaiting_requester, on_hold:awaiting_third_party, on_hold:blocked_by_request, resolved, closed, cancelled, reject',
      'priority.default: "urgent" is not one of critical, high, medium, low',
    ]);
  });

  it('checks the columns rules read against the header', async () => {
    const mapping = genericMapping({ status: { column: 'state', values: {}, rules: [{ when: { phase: 'x' }, then: 'new' }] } });
    const file = writeGenericLog(dir, [{ number: 'C1', updated: '2024-05-06T08:00:00Z', state: 'New' }]);
    await expect(importCsv({ store, mapping, file })).rejects.toThrow('the file has no column "phase" that the mapping reads');
  });
});
