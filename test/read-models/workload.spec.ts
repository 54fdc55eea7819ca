import { allWorkloads, departmentWorkload, InvalidRangeError, type ReadModelStore } from '@desk/read-models';
import { SYSTEM, type DeskHistory } from '@desk/read-models/testing/desk-history';
import { desk } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

const eva = { id: 'eva', role: 'requester' as const };
const comment = (id: string) => ({
  type: 'AddComment' as const,
  data: { commentId: `c-${id}`, body: 'on it', visibility: 'public' as const },
});
const rate = (score: number) => ({ type: 'RateSatisfaction' as const, data: { score } });
const followUp = (id: string, of: string) => ({
  type: 'OpenRequest' as const,
  data: {
    requestId: id,
    requesterId: 'eva',
    departmentId: 'it',
    subject: `follow up ${of}`,
    description: '',
    priority: 'high' as const,
    followUpOf: of,
  },
});

/**
 * Two days of IT (every minute counts). Monday: w1 answered in 10 minutes
 * and resolved in 60, rated 5; w2 answered late (90) and resolved late (540),
 * rated 2 and followed up by fu2 (still open); w3 from an external customer,
 * in progress with Ann (IT has no external targets); w4 on hold with Bob;
 * w5 critical, its first response breach recorded; w6 cancelled. Tuesday: w7
 * answered in 20, resolved in 50, rated 1, followed up by fu7 (resolved in 10).
 */
function twoDaysOfIt(until: 'all' | 'before-follow-up' = 'all'): DeskHistory {
  const history = desk();
  for (const [id, requester, priority] of [
    ['w1', 'eva', 'high'],
    ['w2', 'eva', 'medium'],
    ['w3', 'olga', 'medium'],
    ['w4', 'eva', 'low'],
    ['w5', 'eva', 'critical'],
    ['w6', 'eva', 'medium'],
  ] as const) {
    history.open(id, requester, 'it', { priority });
  }
  history
    .work('w3')
    .work('w4', 'agent-bob')
    .request('w4', { type: 'PutOnHold', data: { reason: 'awaiting_requester' } });
  history.request('w6', { type: 'CancelRequest', data: { reason: 'by mistake' } }, eva);
  history.advance(10).request('w1', comment('w1'));
  history.advance(6).request('w5', { type: 'RecordSlaBreach', data: { target: 'first_response' } }, SYSTEM);
  history.at('2026-03-02T09:00:00.000Z').work('w1').resolve('w1').request('w1', rate(5), eva);
  history.at('2026-03-02T09:30:00.000Z').request('w2', comment('w2'));
  history.at('2026-03-02T17:00:00.000Z').work('w2').resolve('w2').request('w2', rate(2), eva);
  if (until === 'before-follow-up') return history;
  history.request('fu2', followUp('fu2', 'w2'), SYSTEM);
  history.at('2026-03-03T08:00:00.000Z').open('w7', 'eva', 'it', { priority: 'high' });
  history.at('2026-03-03T08:20:00.000Z').request('w7', comment('w7'));
  history.at('2026-03-03T08:50:00.000Z').work('w7').resolve('w7').request('w7', rate(1), eva);
  history.request('fu7', followUp('fu7', 'w7'), SYSTEM);
  history.at('2026-03-03T09:00:00.000Z').work('fu7').resolve('fu7');
  return history;
}

const TUESDAY = new Date('2026-03-03T09:30:00.000Z');

describeOnEveryReadModelStore('workload query', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('counts by status, open requests by priority and audience, and each agent’s load', async () => {
    await project(store, twoDaysOfIt().events);
    const workload = await departmentWorkload(store.reader, 'it', {}, TUESDAY);
    expect(workload).toMatchObject({
      departmentId: 'it',
      name: 'IT',
      asOf: TUESDAY.toISOString(),
      open: 4,
      byStatus: { new: 2, assigned: 0, in_progress: 1, on_hold: 1, resolved: 4, closed: 0, cancelled: 1 },
      byPriority: { critical: 1, high: 1, medium: 1, low: 1 },
      byAudience: { internal: 3, external: 1 },
      unassigned: 2,
      agents: [
        { agentId: 'agent-ann', open: 1, byStatus: { in_progress: 1 } },
        { agentId: 'agent-bob', open: 1, byStatus: { on_hold: 1 } },
      ],
    });
  });

  it('gives intake and resolutions per day, within the range asked', async () => {
    await project(store, twoDaysOfIt().events);
    expect((await departmentWorkload(store.reader, 'it', {}, TUESDAY)).days).toEqual([
      { day: '2026-03-02', intake: 7, resolved: 2 },
      { day: '2026-03-03', intake: 2, resolved: 2 },
    ]);
    expect((await departmentWorkload(store.reader, 'it', { from: '2026-03-03', to: '2026-03-03' }, TUESDAY)).days).toEqual([
      { day: '2026-03-03', intake: 2, resolved: 2 },
    ]);
    expect((await departmentWorkload(store.reader, 'it', { from: '2026-02-01', to: '2026-02-28' }, TUESDAY)).days).toEqual([]);
    // From alone: the 30 days from it, here up to Monday.
    expect((await departmentWorkload(store.reader, 'it', { from: '2026-02-01' }, TUESDAY)).days).toEqual([
      { day: '2026-03-02', intake: 7, resolved: 2 },
    ]);
    for (const range of [
      { from: '2026-13-01' },
      { to: 'yesterday' },
      { from: '2026-03-03', to: '2026-03-02' },
      { from: '2024-01-01', to: '2026-01-01' },
    ]) {
      await expect(departmentWorkload(store.reader, 'it', range, TUESDAY)).rejects.toThrow(InvalidRangeError);
    }
  });

  it('gives median and p90 first-response and resolution times', async () => {
    await project(store, twoDaysOfIt().events);
    const { times } = await departmentWorkload(store.reader, 'it', {}, TUESDAY);
    // First responses: 10, 20, 90 minutes. Resolutions: 10, 50, 60, 540.
    expect(times).toEqual({
      firstResponse: {
        business: { count: 3, medianMinutes: 20, p90Minutes: 90 },
        elapsed: { count: 3, medianMinutes: 20, p90Minutes: 90 },
      },
      resolution: {
        business: { count: 4, medianMinutes: 50, p90Minutes: 540 },
        elapsed: { count: 4, medianMinutes: 50, p90Minutes: 540 },
      },
    });
  });

  it('measures business minutes apart from elapsed ones where a hold stopped the clock', async () => {
    const history = desk().open('p', 'eva', 'it', { priority: 'high' }).work('p');
    history.advance(30).request('p', { type: 'PutOnHold', data: { reason: 'awaiting_requester' } });
    history.advance(60).request('p', { type: 'ResumeWork', data: {} }).advance(30).resolve('p');
    await project(store, history.events);
    const { resolution } = (await departmentWorkload(store.reader, 'it', {}, TUESDAY)).times;
    expect([resolution.business.medianMinutes, resolution.elapsed.medianMinutes]).toEqual([60, 120]);
  });

  it('gives SLA compliance per audience: met against breached, late answers and recorded breaches alike', async () => {
    await project(store, twoDaysOfIt().events);
    expect((await departmentWorkload(store.reader, 'it', {}, TUESDAY)).sla).toEqual({
      internal: {
        firstResponse: { met: 2, breached: 2, compliance: 0.5 },
        resolution: { met: 3, breached: 1, compliance: 0.75 },
      },
      external: {
        firstResponse: { met: 0, breached: 0, compliance: null },
        resolution: { met: 0, breached: 0, compliance: null },
      },
    });
  });

  it('gives mean satisfaction of internal and external requesters, and follows poor ratings until their follow-up is done', async () => {
    await project(store, twoDaysOfIt('before-follow-up').events);
    expect((await departmentWorkload(store.reader, 'it', {}, TUESDAY)).satisfaction).toEqual({
      internal: { ratings: 2, mean: 3.5 },
      external: { ratings: 0, mean: null },
      poorRatings: 1,
      followUps: { awaiting: 1, open: 0, done: 0 },
    });
    const other = await open();
    try {
      await project(other, twoDaysOfIt().events);
      expect((await departmentWorkload(other.reader, 'it', {}, TUESDAY)).satisfaction).toEqual({
        internal: { ratings: 3, mean: 2.67 },
        external: { ratings: 0, mean: null },
        poorRatings: 2,
        followUps: { awaiting: 0, open: 1, done: 1 },
      });
    } finally {
      await other.close();
    }
  });

  it('rates external requesters apart', async () => {
    const history = desk().open('s', 'olga', 'shop', { priority: 'high' }).work('s').resolve('s');
    history.request('s', rate(4), { id: 'olga', role: 'requester' });
    await project(store, history.events);
    expect((await departmentWorkload(store.reader, 'shop', {}, TUESDAY)).satisfaction).toMatchObject({
      internal: { ratings: 0, mean: null },
      external: { ratings: 1, mean: 4 },
    });
  });

  it('lists every department by name, those without requests too', async () => {
    await project(store, twoDaysOfIt().events);
    const all = await allWorkloads(store.reader, {}, TUESDAY);
    expect(all.map((workload) => [workload.name, workload.open])).toEqual([
      ['HR', 0],
      ['IT', 4],
      ['Shop', 0],
    ]);
  });
});
