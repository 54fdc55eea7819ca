import fc from 'fast-check';
import { cursorOf, matchesChange, type ChangeCursor, type ChangeFilter, type RequestChangeRow } from '@desk/read-models';
import { ChangeRoutes, type ChangeSubscriber } from './change-routes';

/** A subscriber that keeps what it is handed, and may leave the routes on its `leavesAt`-th change (as a stream that falls behind). */
class Recorder implements ChangeSubscriber {
  readonly received: RequestChangeRow[] = [];
  routes: ChangeRoutes | null = null;

  constructor(
    readonly filter: ChangeFilter,
    private readonly leavesAt: number | null = null,
  ) {}

  deliver(row: RequestChangeRow, at: ChangeCursor): void {
    expect(at).toEqual(cursorOf(row));
    this.received.push(row);
    if (this.received.length === this.leavesAt) this.routes?.delete(this);
  }
}

let position = 0;
function change(fields: Partial<RequestChangeRow>): RequestChangeRow {
  position++;
  return {
    position: String(position).padStart(20, '0'),
    seq: 0,
    request_id: 'r1',
    revision: 0,
    department_id: 'it',
    previous_department_id: null,
    requester_id: 'eva',
    assignee_id: null,
    previous_assignee_id: null,
    status: 'new',
    event_type: 'RequestOpened',
    occurred_at: '2026-01-01T00:00:00.000Z',
    changes: '{}',
    ...fields,
  };
}

const deliver = (routes: ChangeRoutes, row: RequestChangeRow) => routes.deliver(row, cursorOf(row));

/** A filter whose every read is counted: what the routes look at once it has subscribed. */
function watched(filter: ChangeFilter): { filter: ChangeFilter; reads: () => number; forget: () => void } {
  let reads = 0;
  const proxy = new Proxy(filter, {
    get(target, key, receiver) {
      reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { filter: proxy, reads: () => reads, forget: () => (reads = 0) };
}

describe('ChangeRoutes', () => {
  it('does not offer a change of department A to the streams following only department B, nor read their filters', () => {
    const routes = new ChangeRoutes();
    const shopFilters = Array.from({ length: 50 }, () => watched({ departmentIds: ['shop'] }));
    const shop = shopFilters.map(({ filter }) => new Recorder(filter));
    const it = new Recorder({ departmentIds: ['it'] });
    for (const recorder of [...shop, it]) routes.add(recorder);
    for (const { forget } of shopFilters) forget();

    const opened = change({ department_id: 'it' });
    const assigned = change({ department_id: 'it', assignee_id: 'agent-bob' });
    deliver(routes, opened);
    deliver(routes, assigned);

    expect(it.received).toEqual([opened, assigned]);
    for (const recorder of shop) expect(recorder.received).toEqual([]);
    expect(shopFilters.map(({ reads }) => reads())).toEqual(shopFilters.map(() => 0));

    // A transfer from B to A is B's too: a console watching B sees the request leave it.
    const transferred = change({ department_id: 'it', previous_department_id: 'shop' });
    deliver(routes, transferred);
    for (const recorder of shop) expect(recorder.received).toEqual([transferred]);
    expect(it.received).toEqual([opened, assigned, transferred]);
  });

  it('offers a change once to a stream it finds twice (both departments of a transfer, the assignee taken and given back)', () => {
    const routes = new ChangeRoutes();
    const both = new Recorder({ departmentIds: ['it', 'shop', 'it'] });
    const mine = new Recorder({ assigneeId: 'agent-bob' });
    routes.add(both);
    routes.add(mine);
    routes.add(both);
    const row = change({
      department_id: 'shop',
      previous_department_id: 'it',
      assignee_id: 'agent-bob',
      previous_assignee_id: 'agent-bob',
    });
    deliver(routes, row);
    expect(both.received).toEqual([row]);
    expect(mine.received).toEqual([row]);
  });

  it('offers nothing to a stream that left, nor to one whose list of departments is empty, and forgets the keys of the last to leave', () => {
    const routes = new ChangeRoutes();
    const left = new Recorder({ requesterId: 'eva' });
    const none = new Recorder({ departmentIds: [] });
    routes.add(left);
    routes.add(none);
    expect(routes.size).toBe(2);
    routes.delete(left);
    routes.delete(left);
    deliver(routes, change({ requester_id: 'eva' }));
    expect(left.received).toEqual([]);
    expect(none.received).toEqual([]);
    routes.delete(none);
    expect(routes.size).toBe(0);
    const indexes = routes as unknown as Record<'byRequest' | 'byRequester' | 'byAssignee' | 'byDepartment', Map<string, unknown>>;
    expect([indexes.byRequest.size, indexes.byRequester.size, indexes.byAssignee.size, indexes.byDepartment.size]).toEqual([0, 0, 0, 0]);
  });

  describe('hands every stream exactly the changes that offering each to every stream through matchesChange would, in order', () => {
    const requests = ['r1', 'r2', 'r3'];
    const people = ['eva', 'olga', 'agent-bob', 'agent-ann'];
    const departments = ['it', 'shop', 'hr', 'front-desk'];
    const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });

    const filterArbitrary: fc.Arbitrary<ChangeFilter> = fc
      .record({
        departmentIds: maybe(fc.array(fc.constantFrom(...departments), { maxLength: 3 })),
        requestId: maybe(fc.constantFrom(...requests)),
        requesterId: maybe(fc.constantFrom(...people)),
        assigneeId: maybe(fc.constantFrom(...people)),
      })
      // A filter has only the conditions given, as the route builds it (absent, not undefined).
      .map((filter) => Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as ChangeFilter);

    const rowArbitrary = fc.record({
      request_id: fc.constantFrom(...requests),
      requester_id: fc.constantFrom(...people),
      department_id: fc.constantFrom(...departments),
      previous_department_id: fc.option(fc.constantFrom(...departments), { nil: null }),
      assignee_id: fc.option(fc.constantFrom(...people), { nil: null }),
      previous_assignee_id: fc.option(fc.constantFrom(...people), { nil: null }),
      seq: fc.constantFrom(0, 0, 1),
    });

    /** What happens next: a change read, a stream opened, or one closed (by its index among those made so far). */
    const stepArbitrary = fc.oneof(
      { weight: 6, arbitrary: rowArbitrary.map((row) => ({ kind: 'change' as const, row })) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('open' as const), filter: filterArbitrary, leavesAt: fc.option(fc.nat(4)) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), which: fc.nat() }) },
    );

    it('for streams opening, closing and leaving on a change of their own while changes are handed out', () => {
      fc.assert(
        fc.property(fc.array(filterArbitrary, { maxLength: 30 }), fc.array(stepArbitrary, { maxLength: 80 }), (initial, steps) => {
          const routes = new ChangeRoutes();
          const streams: { recorder: Recorder; expected: RequestChangeRow[]; open: boolean; leavesAt: number | null }[] = [];
          const open = (filter: ChangeFilter, leavesAt: number | null) => {
            const recorder = new Recorder(filter, leavesAt);
            recorder.routes = routes;
            routes.add(recorder);
            streams.push({ recorder, expected: [], open: true, leavesAt });
          };
          for (const filter of initial) open(filter, null);
          for (const step of steps) {
            if (step.kind === 'open') open(step.filter, step.leavesAt);
            else if (step.kind === 'close') {
              if (streams.length === 0) continue;
              const stream = streams[step.which % streams.length];
              routes.delete(stream.recorder);
              stream.open = false;
            } else {
              const row = change(step.row);
              deliver(routes, row);
              // The reference: every open stream asked, in the order they opened.
              for (const stream of streams) {
                if (!stream.open || !matchesChange(row, stream.recorder.filter)) continue;
                stream.expected.push(row);
                if (stream.expected.length === stream.leavesAt) stream.open = false;
              }
            }
          }
          for (const stream of streams) expect(stream.recorder.received).toEqual(stream.expected);
          expect(routes.size).toBe(streams.filter((stream) => stream.open).length);
        }),
        { numRuns: 300 },
      );
    });
  });
});
