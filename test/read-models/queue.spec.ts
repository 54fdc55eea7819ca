import { departmentQueue, InvalidCursorError, type QueueFilter, type QueueItem, type ReadModelStore } from '@desk/read-models';
import type { DeskHistory } from '@desk/application/testing/desk-history';
import {
  agent,
  breach,
  cancel,
  close,
  desk,
  hold,
  reopen,
  reply,
  reprioritize,
  requester,
  resume,
  SYSTEM,
  transfer,
} from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

/**
 * IT's queue on Monday morning (IT counts every minute). First response due:
 * q3 critical 08:20 · q1 high 08:30 · q5 medium, but blocking an external
 * customer's high request (effective high) 09:10 · q2 medium 09:00 · q6
 * medium, in progress with Bob, 09:15 · q9 medium from an external customer,
 * on hold with Ann (IT has no external targets: no due time) · q4 and q8 low,
 * both 12:10, q8 assigned to Bob. q7 is resolved, out of the queue.
 * In sorted order: q3, q1, q5, q2, q6, q9, q4, q8.
 */
function itMonday(): DeskHistory {
  return desk()
    .open('q1', 'eva', 'it', { priority: 'high' })
    .open('q2', 'eva', 'it', { priority: 'medium' })
    .advance(5)
    .open('q3', 'eva', 'it', { priority: 'critical' })
    .advance(5)
    .open('q4', 'eva', 'it', { priority: 'low' })
    .open('q8', 'eva', 'it', { priority: 'low' })
    .assign('q8', 'agent-bob')
    .open('q5', 'rita', 'it', { priority: 'medium' })
    .open('x1', 'olga', 'shop', { priority: 'high' })
    .link('q5', 'x1')
    .advance(5)
    .open('q6', 'eva', 'it', { priority: 'medium' })
    .work('q6', 'agent-bob')
    .open('q7', 'eva', 'it', { priority: 'critical' })
    .work('q7')
    .resolve('q7')
    .open('q9', 'omar', 'it', { priority: 'medium' })
    .work('q9')
    .request('q9', hold('awaiting_third_party'));
}
const ALL = ['q3', 'q1', 'q5', 'q2', 'q6', 'q9', 'q4', 'q8'];

const monday = (time: string) => new Date(`2026-03-02T${time}Z`);

describeOnEveryReadModelStore('queue query', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const page = (filter: Partial<QueueFilter> = {}, department = 'it', now = monday('08:15:00')) =>
    departmentQueue(store.reader, department, { limit: 50, ...filter }, now);
  const ids = async (filter: Partial<QueueFilter> = {}, department = 'it', now = monday('08:15:00')) =>
    (await page(filter, department, now)).items.map((item) => item.requestId);
  const item = async (id: string, department = 'it', now = monday('08:15:00')): Promise<QueueItem> => {
    const found = (await page({}, department, now)).items.find((entry) => entry.requestId === id);
    if (!found) throw new Error(`${id} is not in the queue of ${department}`);
    return found;
  };
  /** Each request's SLA state at a time, by id. */
  const states = async (time: Date, department = 'it') =>
    Object.fromEntries((await page({}, department, time)).items.map((entry) => [entry.requestId, entry.sla.state]));

  describe('order', () => {
    it('sorts open requests by effective priority, then by due time, then by id', async () => {
      await project(store, itMonday().events);
      expect(await ids()).toEqual(ALL);
      const result = await page();
      expect(result.departmentId).toBe('it');
      expect(result.asOf).toBe('2026-03-02T08:15:00.000Z');
      expect(result.nextCursor).toBeNull();
    });

    it('shows each request with everything an agent needs', async () => {
      await project(store, itMonday().events);
      expect(await item('q1')).toEqual({
        requestId: 'q1',
        subject: 'subject of q1',
        status: 'new',
        priority: 'high',
        effectivePriority: 'high',
        audience: 'internal',
        departmentId: 'it',
        departmentName: 'IT',
        requesterId: 'eva',
        requesterName: 'eva',
        requesterKind: 'employee',
        exposedToExternal: false,
        assigneeId: null,
        assigneeName: null,
        tier: 'L1',
        category: null,
        channel: 'portal',
        openedAt: '2026-03-02T08:00:00.000Z',
        updatedAt: '2026-03-02T08:00:00.000Z',
        firstResponseDueAt: '2026-03-02T08:30:00.000Z',
        resolutionDueAt: '2026-03-02T12:00:00.000Z',
        inheritedDeadline: null,
        dueAt: '2026-03-02T08:30:00.000Z',
        sla: {
          state: 'ok',
          firstResponse: { dueAt: '2026-03-02T08:30:00.000Z', atRiskAt: '2026-03-02T08:23:00.000Z', state: 'ok' },
          resolution: { dueAt: '2026-03-02T12:00:00.000Z', atRiskAt: '2026-03-02T11:00:00.000Z', state: 'ok' },
          clockPausedSince: null,
        },
        blockedBy: [],
        blocksExternalRequests: 0,
        blocksExternalCustomers: 0,
        followUpOf: null,
        holdReason: null,
        heldAt: null,
        holdNote: null,
        tags: [],
      });
      expect(await item('q5')).toMatchObject({
        priority: 'medium',
        effectivePriority: 'high',
        exposedToExternal: true,
        blocksExternalRequests: 1,
        blocksExternalCustomers: 1,
        // x1 opened 08:10Z = 09:10 in Brussels; 240 business minutes end at 13:10 local.
        inheritedDeadline: '2026-03-02T12:10:00.000Z',
        firstResponseDueAt: '2026-03-02T09:10:00.000Z',
        // The earlier of its own first response (09:10) and the inherited deadline.
        dueAt: '2026-03-02T09:10:00.000Z',
      });
      expect(await item('q6')).toMatchObject({ status: 'in_progress', assigneeId: 'agent-bob', tier: 'L1' });
      expect(await item('q9')).toMatchObject({
        status: 'on_hold',
        audience: 'external',
        requesterKind: 'individual',
        assigneeId: 'agent-ann',
        firstResponseDueAt: null,
        resolutionDueAt: null,
        dueAt: null,
        sla: { state: 'ok', firstResponse: null, resolution: null, clockPausedSince: null },
      });
    });

    it('sorts by the resolution due time once the first response is given', async () => {
      // m1 medium 08:00: first response 09:00, resolution 16:00; m2 medium 08:30: 09:30 and 16:30.
      const history = desk().open('m1', 'eva', 'it').advance(30).open('m2', 'eva', 'it');
      await project(store, history.events);
      expect(await ids({}, 'it', monday('08:35:00'))).toEqual(['m1', 'm2']);
      const mark = history.events.length;
      history.advance(10).request('m1', reply('first'));
      await project(store, history.since(mark));
      expect(await ids({}, 'it', monday('08:45:00'))).toEqual(['m2', 'm1']);
      expect((await item('m1', 'it', monday('08:45:00'))).dueAt).toBe('2026-03-02T16:00:00.000Z');
    });

    it('sorts by the deadline inherited from a blocked external request when it is earlier than the request’s own', async () => {
      // lo: low, answered at 08:05, so its own next due time is its resolution, 08:00 + 2400 minutes = Wednesday 00:00Z.
      // It blocks ext (external high, resolution due 12:00Z): effective high, due 12:00Z.
      const history = desk()
        .open('lo', 'eva', 'it', { priority: 'low' })
        .open('ext', 'olga', 'shop', { priority: 'high' })
        .link('lo', 'ext')
        .advance(5)
        .request('lo', reply('first'))
        .at('2026-03-02T09:00:00.000Z')
        .open('hi', 'eva', 'it', { priority: 'high' })
        .at('2026-03-02T11:45:00.000Z')
        .open('hi2', 'eva', 'it', { priority: 'high' });
      await project(store, history.events);
      const now = monday('11:45:00');
      // hi: first response 09:30; hi2: 12:15.
      expect(await ids({}, 'it', now)).toEqual(['hi', 'lo', 'hi2']);
      expect(await item('lo', 'it', now)).toMatchObject({
        priority: 'low',
        effectivePriority: 'high',
        resolutionDueAt: '2026-03-04T00:00:00.000Z',
        inheritedDeadline: '2026-03-02T12:00:00.000Z',
        dueAt: '2026-03-02T12:00:00.000Z',
      });
      const mark = history.events.length;
      history.unlink('lo', 'ext');
      await project(store, history.since(mark));
      expect(await ids({}, 'it', now)).toEqual(['hi', 'hi2', 'lo']);
      expect(await item('lo', 'it', now)).toMatchObject({
        effectivePriority: 'low',
        inheritedDeadline: null,
        dueAt: '2026-03-04T00:00:00.000Z',
      });
    });

    it('re-sorts on a priority change', async () => {
      const history = itMonday()
        // q4 critical at 08:15: first response due 08:10 + 15 = 08:25. q2 low: 08:00 + 240 = 12:00.
        .request('q4', reprioritize('critical'))
        .request('q2', reprioritize('low'));
      await project(store, history.events);
      expect(await ids()).toEqual(['q3', 'q4', 'q1', 'q5', 'q6', 'q9', 'q2', 'q8']);
      expect(await item('q4')).toMatchObject({ priority: 'critical', firstResponseDueAt: '2026-03-02T08:25:00.000Z' });
    });
  });

  describe('filters', () => {
    it.each([
      [{ statuses: ['in_progress'] }, ['q6']],
      [{ statuses: ['assigned'] }, ['q8']],
      [{ statuses: ['on_hold'] }, ['q9']],
      [{ statuses: ['new'] }, ['q3', 'q1', 'q5', 'q2', 'q4']],
      [{ statuses: ['new', 'on_hold'] }, ['q3', 'q1', 'q5', 'q2', 'q9', 'q4']],
      [{ statuses: ['resolved'] }, []],
      [{ assigneeId: 'agent-bob' }, ['q6', 'q8']],
      [{ assigneeId: 'agent-ann' }, ['q9']],
      [{ assigneeId: null }, ['q3', 'q1', 'q5', 'q2', 'q4']],
      [{ assigneeId: 'agent-nobody' }, []],
      [{ audiences: ['external'] }, ['q9']],
      [{ audiences: ['internal'] }, ['q3', 'q1', 'q5', 'q2', 'q6', 'q4', 'q8']],
      [{ audiences: ['internal', 'external'] }, ALL],
      [{ priorities: ['medium'] }, ['q5', 'q2', 'q6', 'q9']],
      [{ priorities: ['critical', 'low'] }, ['q3', 'q4', 'q8']],
      [{ priorities: ['high'] }, ['q1']],
      [{ effectivePriorities: ['high'] }, ['q1', 'q5']],
      [{ effectivePriorities: ['medium'] }, ['q2', 'q6', 'q9']],
      [{ effectivePriorities: ['critical', 'low'] }, ['q3', 'q4', 'q8']],
      [{ statuses: ['new'], audiences: ['internal'], priorities: ['medium'] }, ['q5', 'q2']],
      [{ assigneeId: null, effectivePriorities: ['high'] }, ['q1', 'q5']],
      [{ assigneeId: 'agent-bob', statuses: ['in_progress'] }, ['q6']],
      [{ statuses: [], audiences: [], priorities: [], effectivePriorities: [] }, ALL],
    ] as [Partial<QueueFilter>, string[]][])('filters by %j', async (filter, expected) => {
      await project(store, itMonday().events);
      expect(await ids(filter)).toEqual(expected);
    });

    it('holds only the department’s own requests', async () => {
      await project(store, itMonday().events);
      expect(await ids({}, 'shop')).toEqual(['x1']);
      expect(await ids({ audiences: ['internal'] }, 'shop')).toEqual([]);
      expect(await ids({}, 'hr')).toEqual([]);
      expect(await ids({}, 'no-such-department')).toEqual([]);
    });
  });

  describe('cursors', () => {
    async function walk(filter: Partial<QueueFilter>, limit: number): Promise<string[][]> {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const result = await departmentQueue(store.reader, 'it', { ...filter, limit, cursor }, monday('08:15:00'));
        pages.push(result.items.map((entry) => entry.requestId));
        cursor = result.nextCursor ?? undefined;
      } while (cursor && pages.length < 20);
      return pages;
    }

    it.each([1, 2, 3, 4, 7, 8, 9])('walks the whole queue in pages of %i, never skipping nor repeating a request', async (limit) => {
      await project(store, itMonday().events);
      const pages = await walk({}, limit);
      expect(pages.flat()).toEqual(ALL);
      expect(pages).toHaveLength(Math.ceil(ALL.length / limit));
      for (const [index, onePage] of pages.entries()) {
        expect(onePage).toHaveLength(index < pages.length - 1 ? limit : ALL.length - limit * (pages.length - 1));
      }
    });

    it('pages under a filter too, across requests without a due time', async () => {
      await project(store, itMonday().events);
      expect(await walk({ priorities: ['medium'] }, 1)).toEqual([['q5'], ['q2'], ['q6'], ['q9']]);
      expect(await walk({ statuses: ['new'] }, 2)).toEqual([['q3', 'q1'], ['q5', 'q2'], ['q4']]);
      expect(await walk({ assigneeId: 'agent-bob' }, 2)).toEqual([['q6', 'q8']]);
      expect(await walk({ statuses: ['cancelled'] }, 2)).toEqual([[]]);
    });

    it('continues after the last request shown while the queue changes between pages', async () => {
      const history = itMonday();
      await project(store, history.events);
      const first = await departmentQueue(store.reader, 'it', { limit: 3 }, monday('08:15:00'));
      expect(first.items.map((entry) => entry.requestId)).toEqual(['q3', 'q1', 'q5']);

      // Meanwhile: a critical request that sorts before the cursor, a low one that sorts last, and q2 resolved.
      const mark = history.events.length;
      history.advance(5).open('n1', 'eva', 'it', { priority: 'critical' }).open('n2', 'eva', 'it', { priority: 'low' });
      history.work('q2').resolve('q2');
      await project(store, history.since(mark));

      const second = await departmentQueue(store.reader, 'it', { limit: 3, cursor: first.nextCursor! }, monday('08:20:00'));
      expect(second.items.map((entry) => entry.requestId)).toEqual(['q6', 'q9', 'q4']);
      const third = await departmentQueue(store.reader, 'it', { limit: 3, cursor: second.nextCursor! }, monday('08:20:00'));
      // n2: first response due 08:20 + 240 = 12:20, after q8's 12:10.
      expect(third.items.map((entry) => entry.requestId)).toEqual(['q8', 'n2']);
      expect(third.nextCursor).toBeNull();
    });

    it.each([
      ['not base64 JSON', '!!!'],
      ['base64 of a word', Buffer.from('nope').toString('base64url')],
      ['empty', ''],
      ['too short', Buffer.from(JSON.stringify([1, '2026-03-02T08:30:00.000Z'])).toString('base64url')],
      ['too long', Buffer.from(JSON.stringify([1, '2026-03-02T08:30:00.000Z', 'q1', 'x'])).toString('base64url')],
      ['values of other types', Buffer.from(JSON.stringify(['1', '2026-03-02T08:30:00.000Z', 'q1'])).toString('base64url')],
      ['an object', Buffer.from(JSON.stringify({ rank: 1 })).toString('base64url')],
    ])('refuses a cursor that is %s', async (_, cursor) => {
      await project(store, itMonday().events);
      await expect(departmentQueue(store.reader, 'it', { limit: 2, cursor }, monday('08:15:00'))).rejects.toThrow(InvalidCursorError);
    });

    it.each([
      ['a rank that is not a whole number', [1.5, '2026-03-02T08:30:00.000Z', 'q1']],
      ['a rank beyond any priority', [1e12, '2026-03-02T08:30:00.000Z', 'q1']],
      ['a due time with a NUL character', [1, '2026-03-02T08:30:00.000Z\u0000', 'q1']],
      ['a request id with a NUL character', [1, '2026-03-02T08:30:00.000Z', 'q1\u0000']],
    ])('refuses a forged cursor with %s as invalid, on every store', async (_, values) => {
      await project(store, itMonday().events);
      const cursor = Buffer.from(JSON.stringify(values)).toString('base64url');
      await expect(departmentQueue(store.reader, 'it', { limit: 2, cursor }, monday('08:15:00'))).rejects.toThrow(InvalidCursorError);
    });
  });

  describe('SLA state', () => {
    it('turns at risk past 75% of a target and breached past its due time, at the instants they are reached', async () => {
      await project(store, itMonday().events);
      // q3 critical opened 08:05: 15 minutes, at risk after 12 (11.25 rounded up): 08:17, due 08:20.
      // q1 high opened 08:00: 30 minutes, at risk after 23: 08:23, due 08:30.
      expect(await states(monday('08:15:00'))).toMatchObject({ q3: 'ok', q1: 'ok', q2: 'ok' });
      expect(await states(monday('08:16:00'))).toMatchObject({ q3: 'ok' });
      expect(await states(monday('08:17:00'))).toMatchObject({ q3: 'at_risk', q1: 'ok' });
      expect(await states(monday('08:20:00'))).toMatchObject({ q3: 'at_risk' });
      expect(await states(monday('08:20:00.001'))).toMatchObject({ q3: 'breached', q1: 'ok' });
      expect(await states(monday('08:23:00'))).toMatchObject({ q3: 'breached', q1: 'at_risk' });
      // q2 medium opened 08:00: 60 minutes, at risk after 45.
      expect(await states(monday('08:31:00'))).toMatchObject({ q1: 'breached', q2: 'ok' });
      expect(await states(monday('08:45:00'))).toMatchObject({ q2: 'at_risk', q9: 'ok' });
      expect((await item('q1', 'it', monday('08:31:00'))).sla).toEqual({
        state: 'breached',
        firstResponse: { dueAt: '2026-03-02T08:30:00.000Z', atRiskAt: '2026-03-02T08:23:00.000Z', state: 'breached' },
        resolution: { dueAt: '2026-03-02T12:00:00.000Z', atRiskAt: '2026-03-02T11:00:00.000Z', state: 'ok' },
        clockPausedSince: null,
      });
      // q4 low opened 08:10: resolution 2400 minutes, at risk after 1800: Tuesday 14:10Z, due Wednesday 00:10Z.
      const tuesday = (time: string) => new Date(`2026-03-03T${time}Z`);
      expect((await item('q4', 'it', tuesday('14:09:00'))).sla.resolution!.state).toBe('ok');
      expect((await item('q4', 'it', tuesday('14:10:00'))).sla.resolution!.state).toBe('at_risk');
    });

    it('counts business hours: no minute passes overnight', async () => {
      // omar, external medium in the shop, opened Monday 15:00Z (16:00 in Brussels): first response 120 business minutes,
      // at risk after 90: Monday 60 + Tuesday 30 from 08:00Z = 08:30Z; due Tuesday 09:00Z.
      const history = desk().at('2026-03-02T15:00:00.000Z').open('s', 'omar', 'shop', { priority: 'medium' });
      await project(store, history.events);
      const at = (iso: string) => new Date(iso);
      expect(await states(at('2026-03-02T15:59:00.000Z'), 'shop')).toEqual({ s: 'ok' });
      expect(await states(at('2026-03-02T22:00:00.000Z'), 'shop')).toEqual({ s: 'ok' });
      expect(await states(at('2026-03-03T08:29:00.000Z'), 'shop')).toEqual({ s: 'ok' });
      expect(await states(at('2026-03-03T08:30:00.000Z'), 'shop')).toEqual({ s: 'at_risk' });
      expect(await states(at('2026-03-03T09:00:00.000Z'), 'shop')).toEqual({ s: 'at_risk' });
      expect(await states(at('2026-03-03T09:01:00.000Z'), 'shop')).toEqual({ s: 'breached' });
      expect((await item('s', 'shop', at('2026-03-03T09:01:00.000Z'))).sla.firstResponse).toEqual({
        dueAt: '2026-03-03T09:00:00.000Z',
        atRiskAt: '2026-03-03T08:30:00.000Z',
        state: 'breached',
      });
    });

    it('stands still on hold awaiting the requester, and moves on from where it stood after resumption', async () => {
      // Three medium requests from 08:00: first response at risk 08:45, due 09:00; resolution at risk 14:00, due 16:00.
      // p on hold awaiting the requester from 08:40, r from 08:50 (already at risk), t awaiting a third party from 08:40.
      const history = desk().open('p', 'eva', 'it').open('r', 'eva', 'it').open('t', 'eva', 'it').work('p').work('r').work('t');
      history.at('2026-03-02T08:40:00.000Z').request('p', hold('awaiting_requester')).request('t', hold('awaiting_third_party'));
      history.at('2026-03-02T08:50:00.000Z').request('r', hold('awaiting_requester'));
      await project(store, history.events);

      expect(await states(monday('08:50:00'))).toEqual({ p: 'ok', r: 'at_risk', t: 'at_risk' });
      expect(await states(monday('12:00:00'))).toEqual({ p: 'ok', r: 'at_risk', t: 'breached' });
      expect((await item('p', 'it', monday('23:00:00'))).sla).toEqual({
        state: 'ok',
        firstResponse: { dueAt: '2026-03-02T09:00:00.000Z', atRiskAt: '2026-03-02T08:45:00.000Z', state: 'ok' },
        resolution: { dueAt: '2026-03-02T16:00:00.000Z', atRiskAt: '2026-03-02T14:00:00.000Z', state: 'ok' },
        clockPausedSince: '2026-03-02T08:40:00.000Z',
      });

      // Resumed at 10:40: 120 minutes stood still; first response at risk 10:45, due 11:00.
      const mark = history.events.length;
      history.at('2026-03-02T10:40:00.000Z').request('p', resume);
      await project(store, history.since(mark));
      expect(await item('p', 'it', monday('10:44:00'))).toMatchObject({
        status: 'in_progress',
        firstResponseDueAt: '2026-03-02T11:00:00.000Z',
        resolutionDueAt: '2026-03-02T18:00:00.000Z',
        dueAt: '2026-03-02T11:00:00.000Z',
        sla: {
          state: 'ok',
          firstResponse: { dueAt: '2026-03-02T11:00:00.000Z', atRiskAt: '2026-03-02T10:45:00.000Z', state: 'ok' },
          resolution: { dueAt: '2026-03-02T18:00:00.000Z', atRiskAt: '2026-03-02T16:00:00.000Z', state: 'ok' },
          clockPausedSince: null,
        },
      });
      expect((await states(monday('10:45:00'))).p).toBe('at_risk');
      expect((await states(monday('11:00:00'))).p).toBe('at_risk');
      expect((await states(monday('11:01:00'))).p).toBe('breached');
    });

    it('stands still on hold awaiting the requester in business hours too', async () => {
      // omar, external medium in the shop, opened Monday 15:00Z: first response at risk Tuesday 08:30Z, due 09:00Z.
      // On hold awaiting the requester from Tuesday 08:15Z to Wednesday 08:15Z: 465 + 15 = 480 business minutes.
      const history = desk().at('2026-03-02T15:00:00.000Z').open('s', 'omar', 'shop', { priority: 'medium' }).work('s');
      history.at('2026-03-03T08:15:00.000Z').request('s', hold('awaiting_requester'));
      await project(store, history.events);
      expect(await states(new Date('2026-03-03T12:00:00.000Z'), 'shop')).toEqual({ s: 'ok' });
      expect(await states(new Date('2026-03-04T08:00:00.000Z'), 'shop')).toEqual({ s: 'ok' });

      const mark = history.events.length;
      history.at('2026-03-04T08:15:00.000Z').request('s', resume);
      await project(store, history.since(mark));
      // 120 + 480 = 600 = Monday 60 + Tuesday 480 + Wednesday 60; at risk after 90 + 480 = 570.
      expect((await item('s', 'shop', new Date('2026-03-04T08:29:00.000Z'))).sla).toMatchObject({
        state: 'ok',
        firstResponse: { dueAt: '2026-03-04T09:00:00.000Z', atRiskAt: '2026-03-04T08:30:00.000Z', state: 'ok' },
      });
      expect(await states(new Date('2026-03-04T08:30:00.000Z'), 'shop')).toEqual({ s: 'at_risk' });
      expect(await states(new Date('2026-03-04T09:01:00.000Z'), 'shop')).toEqual({ s: 'breached' });
    });

    it('shows a first response in time as met, a late one and a recorded breach as breached for good', async () => {
      const history = desk()
        .open('met', 'eva', 'it')
        .open('late', 'eva', 'it', { priority: 'high' })
        .open('recorded', 'eva', 'it', { priority: 'critical' })
        .open('none', 'eva', 'hr');
      history.advance(10).request('met', reply('first'));
      history.advance(6).request('recorded', breach('first_response'), SYSTEM);
      history.at('2026-03-02T08:40:00.000Z').request('late', reply('first'));
      await project(store, history.events);
      const now = monday('08:45:00');
      expect((await item('met', 'it', now)).sla).toMatchObject({
        state: 'ok',
        firstResponse: { state: 'met' },
        resolution: { state: 'ok' },
      });
      expect((await item('late', 'it', now)).sla).toMatchObject({ state: 'breached', firstResponse: { state: 'breached' } });
      expect((await item('recorded', 'it', now)).sla).toMatchObject({ state: 'breached', firstResponse: { state: 'breached' } });
      // met's resolution (medium: 480 minutes from 08:00) is at risk from 14:00: the request is at risk though its first response was met.
      expect((await item('met', 'it', monday('14:00:00'))).sla).toMatchObject({
        state: 'at_risk',
        firstResponse: { state: 'met' },
        resolution: { state: 'at_risk' },
      });
      // HR has no service standard: nothing to be late for.
      expect(await item('none', 'hr', now)).toMatchObject({
        dueAt: null,
        sla: { state: 'ok', firstResponse: null, resolution: null, clockPausedSince: null },
      });
    });
  });

  describe('what blocks a request', () => {
    it('lists the open requests that block or degrade it, in the queue of its own department', async () => {
      const history = itMonday().link('q2', 'x1', 'degrades');
      await project(store, history.events);
      expect(await page({}, 'shop')).toMatchObject({
        items: [
          {
            requestId: 'x1',
            audience: 'external',
            requesterKind: 'individual',
            blockedBy: [
              { requestId: 'q2', relation: 'degrades', status: 'new', departmentId: 'it', subject: 'subject of q2' },
              { requestId: 'q5', relation: 'blocks', status: 'new', departmentId: 'it', subject: 'subject of q5' },
            ],
          },
        ],
      });
      const mark = history.events.length;
      history.work('q5', 'agent-bob').resolve('q5');
      await project(store, history.since(mark));
      expect((await item('x1', 'shop')).blockedBy).toEqual([
        { requestId: 'q2', relation: 'degrades', status: 'new', departmentId: 'it', subject: 'subject of q2' },
      ]);
    });
  });

  describe('leaving and entering the queue', () => {
    it('drops resolved, closed and cancelled requests, and takes a reopened one back', async () => {
      const history = itMonday();
      history.work('q1').resolve('q1');
      history.request('q2', cancel, requester('eva'));
      history.request('q6', { type: 'ResolveRequest', data: { resolution: 'done' } }, agent('agent-bob'));
      history.request('q6', close, requester('eva'));
      await project(store, history.events);
      expect(await ids()).toEqual(['q3', 'q5', 'q9', 'q4', 'q8']);

      // Reopened at 08:25, after 10 minutes resolved: first response due 08:30 + 10.
      const mark = history.events.length;
      history.advance(10).request('q1', reopen, requester('eva'));
      await project(store, history.since(mark));
      expect(await ids({}, 'it', monday('08:25:00'))).toEqual(['q3', 'q1', 'q5', 'q9', 'q4', 'q8']);
      expect(await item('q1', 'it', monday('08:25:00'))).toMatchObject({
        status: 'in_progress',
        assigneeId: 'agent-ann',
        firstResponseDueAt: '2026-03-02T08:40:00.000Z',
        resolutionDueAt: '2026-03-02T12:10:00.000Z',
      });
    });

    it('moves a transferred request to the other department’s queue, new and unassigned, with the SLA it was promised', async () => {
      const history = itMonday().request('q4', transfer('hr'));
      // q6, in progress with Bob, on hold awaiting the requester from 08:15 and transferred to the shop at 08:45.
      history.request('q6', hold('awaiting_requester'), agent('agent-bob'));
      history.advance(30).request('q6', transfer('shop'));
      await project(store, history.events);
      const now = monday('08:45:00');
      expect(await ids({}, 'it', now)).toEqual(['q3', 'q1', 'q5', 'q2', 'q9', 'q8']);
      expect(await ids({}, 'hr', now)).toEqual(['q4']);
      expect(await item('q4', 'hr', now)).toMatchObject({
        status: 'new',
        firstResponseDueAt: '2026-03-02T12:10:00.000Z',
        sla: { state: 'ok' },
      });
      // The shop sorts x1 (high, due 09:10) before q6 (medium; IT's 09:15 moved by the 30 minutes on hold).
      expect(await ids({}, 'shop', now)).toEqual(['x1', 'q6']);
      expect(await item('q6', 'shop', now)).toMatchObject({
        status: 'new',
        assigneeId: null,
        firstResponseDueAt: '2026-03-02T09:45:00.000Z',
        sla: { state: 'ok', clockPausedSince: null },
      });
      expect(await ids({ assigneeId: 'agent-bob' }, 'shop', now)).toEqual([]);
    });
  });
});
