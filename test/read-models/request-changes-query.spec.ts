import {
  changeId,
  changesAfter,
  CHANGES_START,
  cursorOf,
  isAfter,
  lastChange,
  matchesChange,
  parseChangeId,
  requestChangeView,
  type ChangeFilter,
  type ReadModelStore,
  type RequestChangeRow,
} from '@desk/read-models';
import { desk, followUp, hold, rate, requester, resume, SYSTEM, transfer } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

describe('change ids', () => {
  it('are the log position, with the seq after a colon for an event’s further changes, and read back as cursors', () => {
    expect(changeId({ position: '00000000000000001234', seq: 0 })).toBe('1234');
    expect(changeId({ position: '00000000000000001234', seq: 1 })).toBe('1234:1');
    expect(parseChangeId('1234')).toEqual({ position: 1234n, seq: 0 });
    expect(parseChangeId('1234:1')).toEqual({ position: 1234n, seq: 1 });
    expect(parseChangeId('18446744073709551615')).toEqual({ position: 18446744073709551615n, seq: 0 });
    for (const bad of ['', '-1', '12a', '1:', ':1', '1:2:3', '123456789012345678901', ' 12', '1.5'])
      expect(parseChangeId(bad)).toBeUndefined();
  });

  it('order changes by position, then seq', () => {
    const at = { position: 10n, seq: 0 };
    expect(isAfter({ position: '00000000000000000010', seq: 1 }, at)).toBe(true);
    expect(isAfter({ position: '00000000000000000010', seq: 0 }, at)).toBe(false);
    expect(isAfter({ position: '00000000000000000009', seq: 3 }, at)).toBe(false);
    expect(isAfter({ position: '00000000000000000000', seq: 0 }, CHANGES_START)).toBe(true);
  });
});

describeOnEveryReadModelStore('request changes query', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  async function seeded(): Promise<RequestChangeRow[]> {
    const history = desk().open('a', 'eva', 'it').open('b', 'olga', 'shop').open('c', 'rita', 'shop');
    history.assign('a').assign('b', 'agent-bob').request('a', transfer('hr')).assign('a', 'agent-bob');
    history.request('b', hold('awaiting_requester')).request('b', resume).resolve('b');
    history.request('b', rate(1), requester('olga')).request('fu', followUp('fu', 'b', 'olga', 'shop'), SYSTEM);
    history.request('c', transfer('it')).assign('c');
    await project(store, history.events);
    return changesAfter(store.reader, CHANGES_START, {}, 1000);
  }

  it('pages through the changes after a cursor, oldest first, none twice and none missed', async () => {
    const all = await seeded();
    expect(all.length).toBeGreaterThan(10);
    const paged: RequestChangeRow[] = [];
    for (let cursor = CHANGES_START; ;) {
      const page = await changesAfter(store.reader, cursor, {}, 3);
      paged.push(...page);
      if (page.length < 3) break;
      cursor = cursorOf(page[page.length - 1]);
    }
    expect(paged).toEqual(all);
    // After the follow-up's first change (seq 0), its second (seq 1) at the same position comes next.
    const second = all.findIndex((row) => row.seq === 1);
    expect(second).toBeGreaterThan(0);
    expect(await changesAfter(store.reader, cursorOf(all[second - 1]), {}, 1)).toEqual([all[second]]);
    expect(await lastChange(store.reader)).toEqual(cursorOf(all[all.length - 1]));
  });

  it('filters in SQL exactly as it filters a row in hand', async () => {
    const all = await seeded();
    const filters: ChangeFilter[] = [
      { departmentIds: ['it'] },
      { departmentIds: ['hr', 'shop'] },
      { requestId: 'b' },
      { requesterId: 'olga' },
      { assigneeId: 'agent-bob' },
      { assigneeId: 'agent-ann', departmentIds: ['it'] },
      { requestId: 'a', requesterId: 'olga' },
      { departmentIds: ['nowhere'] },
    ];
    for (const filter of filters) {
      const expected = all.filter((row) => matchesChange(row, filter));
      expect({ filter, rows: await changesAfter(store.reader, CHANGES_START, filter, 1000) }).toEqual({ filter, rows: expected });
    }
    // A console watching IT sees a request leave it; an agent sees a request taken from them.
    const itChanges = all.filter((row) => matchesChange(row, { departmentIds: ['it'] }));
    expect(itChanges.some((row) => row.department_id === 'hr' && row.previous_department_id === 'it')).toBe(true);
    expect(all.filter((row) => matchesChange(row, { assigneeId: 'agent-ann' })).map((row) => row.event_type)).toEqual([
      'RequestAssigned',
      'RequestTransferred',
      'RequestAssigned',
    ]);
  });

  it('shows a requester only the fields the requester view allows, no revision, and events their history shows', async () => {
    const all = await seeded();
    const staff = all.map((row) => requestChangeView(row, 'staff'));
    const theirs = all.map((row) => requestChangeView(row, 'requester'));
    expect(staff.every((change) => change !== null && change.revision !== null)).toBe(true);
    const opened = theirs.find((change) => change?.requestId === 'b' && change.eventType === 'RequestOpened')!;
    expect(opened.revision).toBeNull();
    expect(Object.keys(opened.changes)).toEqual(expect.arrayContaining(['status', 'subject', 'departmentId']));
    for (const hidden of ['tier', 'audience', 'requesterKind', 'exposedToExternal', 'transferCount', 'satisfactionScore'])
      expect(theirs.filter((change) => change !== null && hidden in change.changes)).toEqual([]);
    // A change of hidden fields only is not shown at all (the follow-up noted on the original: its id is not theirs).
    const followUpNoted = all.findIndex((row) => row.seq === 1);
    expect(theirs[followUpNoted]).toBeNull();
    expect(staff[followUpNoted]!.changes).toEqual({ followUpRequestId: { from: null, to: 'fu' } });
  });
});
