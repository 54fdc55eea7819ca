import { departmentWorkload, WorkloadFactsProjection, type ReadModelStore } from '@desk/read-models';
import { breach, desk, followUp, hold, rate, reopen, reply, requester, resume, SYSTEM, transfer } from './scenario-desk';
import { describeOnEveryReadModelStore, project } from './support/read-model-backends';

const eva = requester('eva');

/**
 * IT counts every minute (high: 30 minutes to a first response, 240 to a
 * resolution). p: opened 08:00, answered 08:10, on hold awaiting the
 * requester 08:20–09:20, resolved 09:40 (100 elapsed, 40 counted), rated 2,
 * followed up by fp. t: opened in IT 08:00, transferred to HR 08:30 and
 * resolved there by Bob at 09:00. late: critical (15 minutes), its breach
 * recorded 08:16, answered 08:30: one outcome.
 */
function morning() {
  const history = desk()
    .open('p', 'eva', 'it', { priority: 'high' })
    .work('p')
    .open('t', 'eva', 'it')
    .open('late', 'eva', 'it', { priority: 'critical' });
  history.at('2026-03-02T08:10:00.000Z').request('p', reply('p1'));
  history.at('2026-03-02T08:16:00.000Z').request('late', breach('first_response'), SYSTEM);
  history.at('2026-03-02T08:20:00.000Z').request('p', hold('awaiting_requester'));
  history.at('2026-03-02T08:30:00.000Z').request('t', transfer('hr')).request('late', reply('late1'));
  history.at('2026-03-02T09:00:00.000Z').work('t', 'agent-bob').resolve('t');
  history.at('2026-03-02T09:20:00.000Z').request('p', resume);
  history.at('2026-03-02T09:40:00.000Z').resolve('p').request('p', rate(2), eva);
  history.at('2026-03-02T09:45:00.000Z').request('fp', followUp('fp', 'p', 'eva', 'it'), SYSTEM);
  return history;
}

const projection = () => [new WorkloadFactsProjection()];

describeOnEveryReadModelStore('workload facts', (open) => {
  let store: ReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const facts = async () =>
    (
      await store.reader
        .selectFrom('workload_facts')
        .select([
          'kind',
          'at',
          'day',
          'department_id',
          'audience',
          'agent_id',
          'request_id',
          'follow_up',
          'target',
          'outcome',
          'business_minutes',
          'elapsed_minutes',
          'score',
        ])
        .orderBy('position')
        .orderBy('seq')
        .execute()
    ).map((row) => Object.values(row).map((value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)));
  const everything = async () => ({
    facts: await store.reader.selectFrom('workload_facts').selectAll().orderBy('position').orderBy('seq').execute(),
    requests: await store.reader.selectFrom('workload_requests').selectAll().orderBy('request_id').execute(),
    calendars: await store.reader.selectFrom('workload_calendars').selectAll().orderBy('department_id').execute(),
  });

  it('records each fact at its business time, where the request was then, with the SLA clock’s minutes', async () => {
    await project(store, morning().events, { projections: projection() });
    const t = (time: string) => `2026-03-02T${time}:00.000Z`;
    // kind, at, day, department, audience, agent, request, follow-up, target, outcome, business, elapsed, score
    expect(await facts()).toEqual([
      ['opened', t('08:00'), '2026-03-02', 'it', 'internal', null, 'p', 0, null, null, null, null, null],
      ['opened', t('08:00'), '2026-03-02', 'it', 'internal', null, 't', 0, null, null, null, null, null],
      ['opened', t('08:00'), '2026-03-02', 'it', 'internal', null, 'late', 0, null, null, null, null, null],
      ['first_response', t('08:10'), '2026-03-02', 'it', 'internal', 'agent-ann', 'p', 0, null, null, 10, 10, null],
      ['sla', t('08:10'), '2026-03-02', 'it', 'internal', 'agent-ann', 'p', 0, 'first_response', 'met', null, null, null],
      ['sla', t('08:16'), '2026-03-02', 'it', 'internal', null, 'late', 0, 'first_response', 'breached', null, null, null],
      // Answered after its breach was recorded: a sample, no second outcome.
      ['first_response', t('08:30'), '2026-03-02', 'it', 'internal', null, 'late', 0, null, null, 30, 30, null],
      // Transferred: resolved in HR by Bob.
      ['resolved', t('09:00'), '2026-03-02', 'hr', 'internal', 'agent-bob', 't', 0, null, null, 60, 60, null],
      ['sla', t('09:00'), '2026-03-02', 'hr', 'internal', 'agent-bob', 't', 0, 'resolution', 'met', null, null, null],
      ['resolved', t('09:40'), '2026-03-02', 'it', 'internal', 'agent-ann', 'p', 0, null, null, 40, 100, null],
      ['sla', t('09:40'), '2026-03-02', 'it', 'internal', 'agent-ann', 'p', 0, 'resolution', 'met', null, null, null],
      ['rating', t('09:40'), '2026-03-02', 'it', 'internal', 'agent-ann', 'p', 0, null, null, null, null, 2],
      ['opened', t('09:45'), '2026-03-02', 'it', 'internal', null, 'fp', 1, null, null, null, null, null],
      ['followed_up', t('09:45'), '2026-03-02', 'it', 'internal', null, 'p', 0, null, null, null, null, null],
    ]);
  });

  it('changes nothing when the events are applied twice, and the same in batches of 1, 3 and 1000', async () => {
    const events = morning().events;
    await project(store, events, { projections: projection(), batchSize: 1000 });
    const once = await everything();
    await project(store, events, { projections: projection(), batchSize: 3 });
    expect(await everything()).toEqual(once);
    for (const batchSize of [1, 3]) {
      const other = await open();
      try {
        await project(other, events, { projections: projection(), batchSize });
        const saved = store;
        store = other;
        expect(await everything()).toEqual(once);
        store = saved;
      } finally {
        await other.close();
      }
    }
  });

  it('counts a reopened request resolved again twice, and settles its resolution target again', async () => {
    const history = desk().open('r', 'eva', 'it', { priority: 'high' }).work('r');
    history.advance(30).resolve('r');
    history.advance(10).request('r', reopen, eva);
    history.advance(20).resolve('r');
    await project(store, history.events, { projections: projection() });
    expect((await facts()).filter(([kind]) => kind === 'resolved' || kind === 'sla')).toEqual([
      ['resolved', '2026-03-02T08:30:00.000Z', '2026-03-02', 'it', 'internal', 'agent-ann', 'r', 0, null, null, 30, 30, null],
      ['sla', '2026-03-02T08:30:00.000Z', '2026-03-02', 'it', 'internal', 'agent-ann', 'r', 0, 'resolution', 'met', null, null, null],
      // From opening to the second resolution: 60 minutes, 10 of them resolved (the clock stopped), 50 counted.
      ['resolved', '2026-03-02T09:00:00.000Z', '2026-03-02', 'it', 'internal', 'agent-ann', 'r', 0, null, null, 50, 60, null],
      ['sla', '2026-03-02T09:00:00.000Z', '2026-03-02', 'it', 'internal', 'agent-ann', 'r', 0, 'resolution', 'met', null, null, null],
    ]);
    await project(store, history.events);
    const workload = await departmentWorkload(store.reader, 'it', {}, new Date('2026-03-02T12:00:00.000Z'));
    expect([workload.days, workload.byStatus.resolved, workload.sla.internal.resolution]).toEqual([
      [{ day: '2026-03-02', intake: 1, resolved: 2 }],
      2,
      { met: 2, breached: 0, compliance: 1 },
    ]);
  });

  it('keeps each fact at its own business time when the log records them out of that order, and counts only those up to now', async () => {
    // Tuesday's request recorded first, then Monday's (an import of older history into a live desk).
    const history = desk().at('2026-03-03T10:00:00.000Z').open('tue', 'eva', 'it').work('tue');
    history.advance(45).resolve('tue');
    history.at('2026-03-02T10:00:00.000Z').open('mon', 'eva', 'it').work('mon');
    history.advance(15).request('mon', reply('m1'));
    history.advance(45).resolve('mon');
    await project(store, history.events);
    expect((await facts()).map(([kind, at, day, , , , request]) => [kind, at, day, request])).toEqual([
      ['opened', '2026-03-03T10:00:00.000Z', '2026-03-03', 'tue'],
      ['resolved', '2026-03-03T10:45:00.000Z', '2026-03-03', 'tue'],
      ['sla', '2026-03-03T10:45:00.000Z', '2026-03-03', 'tue'],
      ['opened', '2026-03-02T10:00:00.000Z', '2026-03-02', 'mon'],
      ['first_response', '2026-03-02T10:15:00.000Z', '2026-03-02', 'mon'],
      ['sla', '2026-03-02T10:15:00.000Z', '2026-03-02', 'mon'],
      ['resolved', '2026-03-02T11:00:00.000Z', '2026-03-02', 'mon'],
      ['sla', '2026-03-02T11:00:00.000Z', '2026-03-02', 'mon'],
    ]);
    const at = async (time: string) => {
      const workload = await departmentWorkload(store.reader, 'it', {}, new Date(time));
      return [workload.days, workload.times.resolution.elapsed, workload.sla.internal.resolution.met];
    };
    // Monday 10:30: Monday's request opened and answered, nothing resolved yet, Tuesday's not opened.
    expect(await at('2026-03-02T10:30:00.000Z')).toEqual([[{ day: '2026-03-02', intake: 1, resolved: 0 }], NO_TIMES, 0]);
    expect(await at('2026-03-03T10:30:00.000Z')).toEqual([
      [
        { day: '2026-03-02', intake: 1, resolved: 1 },
        { day: '2026-03-03', intake: 1, resolved: 0 },
      ],
      { count: 1, medianMinutes: 60, p90Minutes: 60 },
      1,
    ]);
    expect(await at('2026-03-03T11:00:00.000Z')).toEqual([
      [
        { day: '2026-03-02', intake: 1, resolved: 1 },
        { day: '2026-03-03', intake: 1, resolved: 1 },
      ],
      // 45 and 60: the mean of the two.
      { count: 2, medianMinutes: 52.5, p90Minutes: 58.5 },
      2,
    ]);
  });

  it('counts intake where a request was opened and its resolution where it was resolved', async () => {
    await project(store, morning().events);
    const now = new Date('2026-03-02T12:00:00.000Z');
    const [it, hr] = await Promise.all([departmentWorkload(store.reader, 'it', {}, now), departmentWorkload(store.reader, 'hr', {}, now)]);
    expect([it.days, hr.days]).toEqual([[{ day: '2026-03-02', intake: 4, resolved: 1 }], [{ day: '2026-03-02', intake: 0, resolved: 1 }]]);
    expect(hr.sla.internal.resolution).toEqual({ met: 1, breached: 0, compliance: 1 });
    expect(it.satisfaction).toEqual({
      internal: { ratings: 1, mean: 2 },
      external: { ratings: 0, mean: null },
      poorRatings: 1,
      followUps: { awaiting: 0, open: 1, done: 0 },
    });
    // As of before the follow-up was opened, the rating awaited it (the live open requests aside).
    expect((await departmentWorkload(store.reader, 'it', {}, new Date('2026-03-02T09:42:00.000Z'))).satisfaction.followUps.awaiting).toBe(
      1,
    );
  });
});

const NO_TIMES = { count: 0, medianMinutes: null, p90Minutes: null };
