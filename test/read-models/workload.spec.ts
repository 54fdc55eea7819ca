import { allWorkloads, departmentWorkload, InvalidRangeError, type ReadModelStore, type WorkloadRange } from '@desk/read-models';
import type { DeskHistory } from '@desk/application/testing/desk-history';
import { agent, breach, cancel, desk, followUp, hold, rate, reply, requester, resume, SYSTEM, transfer } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

const eva = requester('eva');

/**
 * Two days of IT (every minute counts). Monday 08:00, six requests: w1 high,
 * answered in 10 minutes, resolved in 60, rated 5; w2 medium, answered late
 * (90 > 60), resolved late (540 > 480), rated 2 and followed up by fu2 (still
 * open); w3 medium from an external customer, in progress with Ann (IT has no
 * external targets); w4 low, on hold with Bob; w5 critical, its first-response
 * breach recorded at 08:16; w6 cancelled. Tuesday 08:00: w7 high, answered in
 * 20, resolved in 50, rated 1, followed up by fu7 (resolved in 10).
 */
function twoDaysOfIt(until: 'all' | 'before-follow-up' = 'all'): DeskHistory {
  const history = desk();
  for (const [id, requesterId, priority] of [
    ['w1', 'eva', 'high'],
    ['w2', 'eva', 'medium'],
    ['w3', 'olga', 'medium'],
    ['w4', 'eva', 'low'],
    ['w5', 'eva', 'critical'],
    ['w6', 'eva', 'medium'],
  ] as const) {
    history.open(id, requesterId, 'it', { priority });
  }
  history.work('w3').work('w4', 'agent-bob').request('w4', hold('awaiting_requester'), agent('agent-bob'));
  history.request('w6', cancel, eva);
  history.advance(10).request('w1', reply('w1'));
  history.advance(6).request('w5', breach('first_response'), SYSTEM);
  history.at('2026-03-02T09:00:00.000Z').work('w1').resolve('w1').request('w1', rate(5), eva);
  history.at('2026-03-02T09:30:00.000Z').request('w2', reply('w2'));
  history.at('2026-03-02T17:00:00.000Z').work('w2').resolve('w2').request('w2', rate(2), eva);
  if (until === 'before-follow-up') return history;
  history.request('fu2', followUp('fu2', 'w2', 'eva', 'it'), SYSTEM);
  history.at('2026-03-03T08:00:00.000Z').open('w7', 'eva', 'it', { priority: 'high' });
  history.at('2026-03-03T08:20:00.000Z').request('w7', reply('w7'));
  history.at('2026-03-03T08:50:00.000Z').work('w7').resolve('w7').request('w7', rate(1), eva);
  history.request('fu7', followUp('fu7', 'w7', 'eva', 'it'), SYSTEM);
  history.at('2026-03-03T09:00:00.000Z').work('fu7').resolve('fu7');
  return history;
}

/**
 * Two days of the shop (Brussels office hours: 08:00–16:00 UTC). c: omar,
 * external medium, opened Monday 15:00Z, answered Tuesday 08:30Z, resolved
 * Tuesday 10:00Z, rated 4. d: olga, external high, opened Monday 08:00Z,
 * answered late at 09:30Z (due 09:00Z), resolution breach recorded at 12:01Z
 * (due 12:00Z), resolved 13:00Z, rated 2. e: rita, internal medium, opened
 * Monday 08:00Z, answered 08:30Z, resolved 10:00Z, rated 5.
 */
function twoDaysOfTheShop(history = desk()): DeskHistory {
  history.at('2026-03-02T08:00:00.000Z').open('d', 'olga', 'shop', { priority: 'high' }).open('e', 'rita', 'shop').work('d').work('e');
  history.at('2026-03-02T08:30:00.000Z').request('e', reply('e'));
  history.at('2026-03-02T09:30:00.000Z').request('d', reply('d'));
  history.at('2026-03-02T10:00:00.000Z').resolve('e').request('e', rate(5), requester('rita'));
  history.at('2026-03-02T12:01:00.000Z').request('d', breach('resolution'), SYSTEM);
  history.at('2026-03-02T13:00:00.000Z').resolve('d').request('d', rate(2), requester('olga'));
  history.at('2026-03-02T15:00:00.000Z').open('c', 'omar', 'shop').work('c');
  history.at('2026-03-03T08:30:00.000Z').request('c', reply('c'));
  history.at('2026-03-03T10:00:00.000Z').resolve('c').request('c', rate(4), requester('omar'));
  return history;
}

const TUESDAY = new Date('2026-03-03T09:30:00.000Z');
/** After the shop's last event (Tuesday 10:00Z): the figures count only what happened up to their time. */
const WEDNESDAY = new Date('2026-03-04T12:00:00.000Z');

const NO_TIMES = { count: 0, medianMinutes: null, p90Minutes: null };
const NO_OUTCOME = { met: 0, breached: 0, compliance: null };

describeOnEveryReadModelStore('workload query', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const workload = (departmentId: string, range: WorkloadRange = {}, now = TUESDAY) =>
    departmentWorkload(store.reader, departmentId, range, now);

  it('gives every figure of a department, worked out by hand', async () => {
    await project(store, twoDaysOfIt().events);
    expect(await workload('it')).toEqual({
      departmentId: 'it',
      name: 'IT',
      asOf: '2026-03-03T09:30:00.000Z',
      // Open: w3, w4, w5, fu2.
      open: 4,
      byStatus: { new: 2, assigned: 0, in_progress: 1, on_hold: 1, resolved: 4, closed: 0, cancelled: 1 },
      byPriority: { critical: 1, high: 1, medium: 1, low: 1 },
      byAudience: { internal: 3, external: 1 },
      unassigned: 2,
      agents: [
        { agentId: 'agent-ann', open: 1, byStatus: { in_progress: 1 } },
        { agentId: 'agent-bob', open: 1, byStatus: { on_hold: 1 } },
      ],
      days: [
        // Monday: w1–w6 and fu2 in, w1 and w2 resolved; Tuesday: w7 and fu7 in and resolved.
        { day: '2026-03-02', intake: 7, resolved: 2 },
        { day: '2026-03-03', intake: 2, resolved: 2 },
      ],
      times: {
        // First responses 10, 20, 90: p90 at rank 1.8, 20 + 0.8 · 70. Resolutions 10, 50, 60, 540: the median is the mean
        // of the two middle ones, p90 at rank 2.7, 60 + 0.7 · 480.
        firstResponse: {
          business: { count: 3, medianMinutes: 20, p90Minutes: 76 },
          elapsed: { count: 3, medianMinutes: 20, p90Minutes: 76 },
        },
        resolution: {
          business: { count: 4, medianMinutes: 55, p90Minutes: 396 },
          elapsed: { count: 4, medianMinutes: 55, p90Minutes: 396 },
        },
      },
      sla: {
        // First response: w1, w7 met; w2 late, w5 recorded. Resolution: w1, w7, fu7 met; w2 late.
        internal: {
          firstResponse: { met: 2, breached: 2, compliance: 0.5 },
          resolution: { met: 3, breached: 1, compliance: 0.75 },
        },
        external: { firstResponse: NO_OUTCOME, resolution: NO_OUTCOME },
      },
      satisfaction: {
        // 5, 2, 1: 8 / 3.
        internal: { ratings: 3, mean: 2.67 },
        external: { ratings: 0, mean: null },
        poorRatings: 2,
        followUps: { awaiting: 0, open: 1, done: 1 },
      },
      impact: { blockingRequests: 0, blockedExternalRequests: 0, blockedExternalCustomers: 0 },
    });
  });

  describe('counts', () => {
    it('counts every status, open requests by priority and audience, and each agent’s load, busiest first', async () => {
      const history = desk()
        .open('a1', 'eva', 'it', { priority: 'high' })
        .work('a1', 'agent-bob')
        .open('a2', 'eva', 'it', { priority: 'low' })
        .assign('a2', 'agent-bob')
        .open('a3', 'olga', 'it')
        .work('a3')
        .request('a3', hold('awaiting_third_party'))
        .open('a4', 'omar', 'it', { priority: 'critical' })
        .assign('a4', 'agent-cid')
        .open('a5', 'eva', 'it')
        .open('a6', 'eva', 'it')
        .work('a6', 'agent-bob')
        .request('a6', transfer('hr'))
        .open('a7', 'eva', 'it')
        .work('a7')
        .resolve('a7');
      await project(store, history.events);
      expect(await workload('it')).toMatchObject({
        open: 5,
        byStatus: { new: 1, assigned: 2, in_progress: 1, on_hold: 1, resolved: 1, closed: 0, cancelled: 0 },
        byPriority: { critical: 1, high: 1, medium: 2, low: 1 },
        byAudience: { internal: 3, external: 2 },
        unassigned: 1,
        agents: [
          { agentId: 'agent-bob', open: 2, byStatus: { in_progress: 1, assigned: 1 } },
          { agentId: 'agent-ann', open: 1, byStatus: { on_hold: 1 } },
          { agentId: 'agent-cid', open: 1, byStatus: { assigned: 1 } },
        ],
      });
      // The transferred request counts in HR only, unassigned there.
      expect(await workload('hr')).toMatchObject({
        open: 1,
        byStatus: { new: 1 },
        byPriority: { medium: 1 },
        unassigned: 1,
        agents: [],
      });
    });

    it('gives zeros and nothing to measure for a department without requests, and for one it does not know', async () => {
      await project(store, twoDaysOfIt().events);
      const empty = {
        open: 0,
        byStatus: { new: 0, assigned: 0, in_progress: 0, on_hold: 0, resolved: 0, closed: 0, cancelled: 0 },
        byPriority: { critical: 0, high: 0, medium: 0, low: 0 },
        byAudience: { internal: 0, external: 0 },
        unassigned: 0,
        agents: [],
        days: [],
        times: { firstResponse: { business: NO_TIMES, elapsed: NO_TIMES }, resolution: { business: NO_TIMES, elapsed: NO_TIMES } },
        sla: {
          internal: { firstResponse: NO_OUTCOME, resolution: NO_OUTCOME },
          external: { firstResponse: NO_OUTCOME, resolution: NO_OUTCOME },
        },
        satisfaction: {
          internal: { ratings: 0, mean: null },
          external: { ratings: 0, mean: null },
          poorRatings: 0,
          followUps: { awaiting: 0, open: 0, done: 0 },
        },
        impact: { blockingRequests: 0, blockedExternalRequests: 0, blockedExternalCustomers: 0 },
      };
      expect(await workload('hr')).toEqual({ departmentId: 'hr', name: 'HR', asOf: TUESDAY.toISOString(), ...empty });
      expect(await workload('nowhere')).toEqual({ departmentId: 'nowhere', name: null, asOf: TUESDAY.toISOString(), ...empty });
    });
  });

  describe('intake and resolutions per day', () => {
    const MONDAY = { day: '2026-03-02', intake: 7, resolved: 2 };
    const TUESDAY_FIGURES = { day: '2026-03-03', intake: 2, resolved: 2 };

    it.each([
      ['the 30 days up to today by default', {}, TUESDAY, [MONDAY, TUESDAY_FIGURES]],
      ['the 30 days up to today, Monday the first of them', {}, new Date('2026-03-31T23:59:00.000Z'), [MONDAY, TUESDAY_FIGURES]],
      ['the 30 days up to today, Monday just before them', {}, new Date('2026-04-01T00:00:00.000Z'), [TUESDAY_FIGURES]],
      ['the 30 days up to today, both days gone', {}, new Date('2026-04-02T12:00:00.000Z'), []],
      ['one day', { from: '2026-03-03', to: '2026-03-03' }, TUESDAY, [TUESDAY_FIGURES]],
      ['a month before anything', { from: '2026-02-01', to: '2026-02-28' }, TUESDAY, []],
      ['30 days from `from`', { from: '2026-02-01' }, TUESDAY, [MONDAY]],
      ['30 days from `from`, a later one', { from: '2026-03-03' }, TUESDAY, [TUESDAY_FIGURES]],
      ['30 days up to `to`', { to: '2026-03-02' }, TUESDAY, [MONDAY]],
      ['366 days, the most allowed', { from: '2025-03-04', to: '2026-03-04' }, TUESDAY, [MONDAY, TUESDAY_FIGURES]],
    ] as [string, WorkloadRange, Date, unknown[]][])('gives %s', async (_, range, now, expected) => {
      await project(store, twoDaysOfIt().events);
      expect((await workload('it', range, now)).days).toEqual(expected);
    });

    it.each([
      ['a month 13', { from: '2026-13-01' }],
      ['a word', { to: 'yesterday' }],
      ['30 February', { from: '2026-02-30' }],
      ['a date without leading zeros', { from: '2026-3-2' }],
      ['a time', { to: '2026-03-02T00:00:00Z' }],
      ['from after to', { from: '2026-03-03', to: '2026-03-02' }],
      ['367 days', { from: '2025-03-03', to: '2026-03-04' }],
      ['two years', { from: '2024-01-01', to: '2026-01-01' }],
    ] as [string, WorkloadRange][])('refuses %s with InvalidRangeError', async (_, range) => {
      await project(store, twoDaysOfIt().events);
      await expect(workload('it', range)).rejects.toThrow(InvalidRangeError);
      await expect(allWorkloads(store.reader, range, TUESDAY)).rejects.toThrow(InvalidRangeError);
    });

    it('places days in the time zone of the department’s calendar', async () => {
      // Opened Monday 23:30Z = Tuesday 00:30 in Brussels, resolved Tuesday 23:30Z = Wednesday 00:30; another opened and resolved on Monday.
      const history = desk()
        .open('mon', 'omar', 'shop')
        .work('mon')
        .at('2026-03-02T15:00:00.000Z')
        .resolve('mon')
        .at('2026-03-02T23:30:00.000Z')
        .open('night', 'omar', 'shop')
        .work('night')
        .at('2026-03-03T23:30:00.000Z')
        .resolve('night');
      await project(store, history.events);
      expect((await workload('shop', { from: '2026-03-01', to: '2026-03-05' }, WEDNESDAY)).days).toEqual([
        { day: '2026-03-02', intake: 1, resolved: 1 },
        { day: '2026-03-03', intake: 1, resolved: 0 },
        { day: '2026-03-04', intake: 0, resolved: 1 },
      ]);
    });
  });

  describe('first-response and resolution times', () => {
    it('gives the median and p90 interpolated between the closest ranks', async () => {
      // Ten requests: answered after k minutes and resolved after 10·k minutes, k = 1 … 10.
      const history = desk();
      for (let k = 1; k <= 10; k++) history.at('2026-03-02T08:00:00.000Z').open(`r${k}`, 'eva', 'it');
      for (let k = 1; k <= 10; k++) {
        history.at(`2026-03-02T08:${String(k).padStart(2, '0')}:00.000Z`).request(`r${k}`, reply(`r${k}`));
      }
      for (let k = 1; k <= 10; k++)
        history
          .at(new Date(Date.parse('2026-03-02T08:00:00.000Z') + k * 600_000).toISOString())
          .work(`r${k}`)
          .resolve(`r${k}`);
      await project(store, history.events);
      // Median: the mean of the 5th and 6th of ten (rank 4.5 from 0); p90: rank 8.1, a tenth of the way from the 9th to the 10th.
      expect((await workload('it')).times).toEqual({
        firstResponse: {
          business: { count: 10, medianMinutes: 5.5, p90Minutes: 9.1 },
          elapsed: { count: 10, medianMinutes: 5.5, p90Minutes: 9.1 },
        },
        resolution: {
          business: { count: 10, medianMinutes: 55, p90Minutes: 91 },
          elapsed: { count: 10, medianMinutes: 55, p90Minutes: 91 },
        },
      });
    });

    it('measures business minutes apart from elapsed ones where a hold stopped the clock', async () => {
      // High: 30 minutes of work, 60 on hold awaiting the requester, 30 more: 120 elapsed, 60 counted.
      const history = desk().open('p', 'eva', 'it', { priority: 'high' }).work('p');
      history.advance(30).request('p', hold('awaiting_requester'));
      history.advance(60).request('p', resume).advance(30).resolve('p');
      await project(store, history.events);
      const { resolution } = (await workload('it')).times;
      expect(resolution).toEqual({
        business: { count: 1, medianMinutes: 60, p90Minutes: 60 },
        elapsed: { count: 1, medianMinutes: 120, p90Minutes: 120 },
      });
    });

    it('measures a first response given on hold awaiting the requester at the moment the clock stopped', async () => {
      // High: on hold awaiting the requester from 08:10; the desk replies at 09:00. The clock ran 10 minutes.
      const history = desk().open('p', 'eva', 'it', { priority: 'high' }).work('p');
      history.advance(10).request('p', hold('awaiting_requester'));
      history.advance(50).request('p', reply('meanwhile'));
      await project(store, history.events);
      expect((await workload('it')).times.firstResponse).toEqual({
        business: { count: 1, medianMinutes: 10, p90Minutes: 10 },
        elapsed: { count: 1, medianMinutes: 60, p90Minutes: 60 },
      });
    });

    it('measures business minutes in the calendar’s office hours', async () => {
      await project(store, twoDaysOfTheShop().events);
      // First responses — e: 30 / 30; d: 90 / 90; c: Monday 15:00Z → Tuesday 08:30Z, 60 + 30 = 90 business, 1050 elapsed.
      // Resolutions — e: 120 / 120; d: 300 / 300; c: Monday 15:00Z → Tuesday 10:00Z, 60 + 120 = 180 business, 1140 elapsed.
      // p90 of three at rank 1.8: 90 + 0.8 · (1050 − 90); 180 + 0.8 · (300 − 180); 300 + 0.8 · (1140 − 300).
      expect((await workload('shop', {}, WEDNESDAY)).times).toEqual({
        firstResponse: {
          business: { count: 3, medianMinutes: 90, p90Minutes: 90 },
          elapsed: { count: 3, medianMinutes: 90, p90Minutes: 858 },
        },
        resolution: {
          business: { count: 3, medianMinutes: 180, p90Minutes: 276 },
          elapsed: { count: 3, medianMinutes: 300, p90Minutes: 972 },
        },
      });
    });
  });

  describe('SLA compliance', () => {
    it('counts met against breached per audience: a late answer, a recorded breach, and both at once counted once', async () => {
      await project(store, twoDaysOfTheShop().events);
      expect((await workload('shop', {}, WEDNESDAY)).sla).toEqual({
        // e answered at 08:30Z (due 10:00Z) and resolved 10:00Z (due Tuesday 16:00Z).
        internal: {
          firstResponse: { met: 1, breached: 0, compliance: 1 },
          resolution: { met: 1, breached: 0, compliance: 1 },
        },
        // c met both (due Tuesday 09:00Z and Wednesday 15:00Z); d answered late, and resolved late with its breach recorded.
        external: {
          firstResponse: { met: 1, breached: 1, compliance: 0.5 },
          resolution: { met: 1, breached: 1, compliance: 0.5 },
        },
      });
    });

    it('counts a recorded breach of a request not yet answered or resolved, and nothing for targets still running', async () => {
      // Critical from 08:00: first response due 08:15, resolution 10:00; both breaches recorded at 10:01, the request still open.
      // Medium from 10:00: nothing due yet (first response 11:00), no outcome.
      const history = desk().open('late', 'eva', 'it', { priority: 'critical' });
      history.at('2026-03-02T10:00:00.000Z').open('running', 'eva', 'it');
      history.advance(1).request('late', breach('first_response'), SYSTEM).request('late', breach('resolution'), SYSTEM);
      await project(store, history.events);
      expect((await workload('it')).sla.internal).toEqual({
        firstResponse: { met: 0, breached: 1, compliance: 0 },
        resolution: { met: 0, breached: 1, compliance: 0 },
      });
    });

    it('rounds compliance to four decimals', async () => {
      // Three high requests answered in time (10 minutes), six answered late (40 minutes > 30).
      const history = desk();
      for (let k = 1; k <= 9; k++) history.open(`h${k}`, 'eva', 'it', { priority: 'high' });
      history.advance(10);
      for (let k = 1; k <= 3; k++) history.request(`h${k}`, reply(`h${k}`));
      history.advance(30);
      for (let k = 4; k <= 9; k++) history.request(`h${k}`, reply(`h${k}`));
      await project(store, history.events);
      expect((await workload('it')).sla.internal.firstResponse).toEqual({ met: 3, breached: 6, compliance: 0.3333 });
    });
  });

  describe('satisfaction', () => {
    it('gives the mean rating of internal and external requesters apart', async () => {
      await project(store, twoDaysOfTheShop().events);
      expect((await workload('shop', {}, WEDNESDAY)).satisfaction).toEqual({
        internal: { ratings: 1, mean: 5 },
        // 4 and 2.
        external: { ratings: 2, mean: 3 },
        poorRatings: 1,
        followUps: { awaiting: 1, open: 0, done: 0 },
      });
    });

    it('follows a poor rating from awaiting its follow-up, to open while the follow-up is open, to done', async () => {
      const history = twoDaysOfTheShop();
      await project(store, history.events);
      const followUps = async () => (await workload('shop', {}, WEDNESDAY)).satisfaction.followUps;
      expect(await followUps()).toEqual({ awaiting: 1, open: 0, done: 0 });

      let mark = history.events.length;
      history.advance(5).request('fd', followUp('fd', 'd', 'olga', 'shop'), SYSTEM);
      await project(store, history.since(mark));
      expect(await followUps()).toEqual({ awaiting: 0, open: 1, done: 0 });

      mark = history.events.length;
      history.advance(30).work('fd').resolve('fd');
      await project(store, history.since(mark));
      expect(await followUps()).toEqual({ awaiting: 0, open: 0, done: 1 });
      // The follow-up is no rating: still one poor rating of two external ones.
      expect((await workload('shop', {}, WEDNESDAY)).satisfaction).toMatchObject({ external: { ratings: 2, mean: 3 }, poorRatings: 1 });
    });

    it('counts ratings of 1 and 2 as poor, not 3', async () => {
      const history = desk();
      for (const [id, score] of [
        ['s1', 1],
        ['s2', 2],
        ['s3', 3],
        ['s4', 3],
      ] as const) {
        history.open(id, 'eva', 'it').work(id).resolve(id).request(id, rate(score), eva);
      }
      await project(store, history.events);
      // 1 + 2 + 3 + 3 = 9, over 4.
      expect((await workload('it')).satisfaction).toEqual({
        internal: { ratings: 4, mean: 2.25 },
        external: { ratings: 0, mean: null },
        poorRatings: 2,
        followUps: { awaiting: 2, open: 0, done: 0 },
      });
    });

    it('awaits the follow-ups of the ratings made so far', async () => {
      await project(store, twoDaysOfIt('before-follow-up').events);
      expect((await workload('it')).satisfaction).toEqual({
        internal: { ratings: 2, mean: 3.5 },
        external: { ratings: 0, mean: null },
        poorRatings: 1,
        followUps: { awaiting: 1, open: 0, done: 0 },
      });
    });
  });

  describe('every department', () => {
    it('asks the impact chain of the departments whose open internal work blocks something, and gives the others none', async () => {
      // IT's i1 blocks the shop's external s1 and IT's i2; HR's h1 and the shop's internal s2 are open but block nothing.
      const history = desk().open('i1', 'eva', 'it').open('i2', 'eva', 'it').open('s1', 'olga', 'shop').open('s2', 'rita', 'shop');
      history.open('h1', 'eva', 'hr').link('i1', 's1').link('i1', 'i2');
      await project(store, history.events);
      const all = await allWorkloads(store.reader, {}, TUESDAY);
      expect(all.map((entry) => [entry.departmentId, entry.impact])).toEqual([
        ['hr', { blockingRequests: 0, blockedExternalRequests: 0, blockedExternalCustomers: 0 }],
        ['it', { blockingRequests: 1, blockedExternalRequests: 1, blockedExternalCustomers: 1 }],
        ['shop', { blockingRequests: 0, blockedExternalRequests: 0, blockedExternalCustomers: 0 }],
      ]);
      for (const entry of all) expect(entry).toEqual(await workload(entry.departmentId));
    });

    it('lists every department by name, those without requests too, each with its own figures', async () => {
      // The shop's two days recorded after IT's (business times go back to Monday: each request keeps its own).
      await project(store, twoDaysOfTheShop(twoDaysOfIt()).events);
      const all = await allWorkloads(store.reader, {}, WEDNESDAY);
      expect(all.map((entry) => [entry.departmentId, entry.name, entry.open, entry.byStatus.resolved])).toEqual([
        ['hr', 'HR', 0, 0],
        ['it', 'IT', 4, 4],
        ['shop', 'Shop', 0, 3],
      ]);
      for (const entry of all) expect(entry).toEqual(await workload(entry.departmentId, {}, WEDNESDAY));
      expect((await allWorkloads(store.reader, { from: '2026-03-03', to: '2026-03-03' }, WEDNESDAY)).map((entry) => entry.days)).toEqual([
        [],
        [{ day: '2026-03-03', intake: 2, resolved: 2 }],
        [{ day: '2026-03-03', intake: 0, resolved: 1 }],
      ]);
    });
  });
});
