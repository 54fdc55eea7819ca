import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandSide, ReadModelNotOfThisLogError, ReadSide, systemClock } from '@desk/application';
import { DeskHistory } from '@desk/application/testing/desk-history';
import { SqliteEventStore, type RecordedEvent } from '@desk/event-store';
import type { ReadModelStore } from '@desk/read-models';
import { describeOnEveryReadModelStore, dumpReadModels, project } from './support/read-model-backends';

function history(requests: number, prefix: string): DeskHistory {
  const desk = new DeskHistory()
    .department('it', 'IT', [{ priority: 'medium', audience: 'internal', firstResponseMinutes: 60, resolutionMinutes: 480 }])
    .internalCustomer('eva', 'it');
  for (let i = 0; i < requests; i++) desk.open(`${prefix}-${i}`, 'eva', 'it').assign(`${prefix}-${i}`).advance(1);
  return desk;
}

/** Read models left from another desk, or a log restored from an older backup: checkpoints past the head of the log. */
describeOnEveryReadModelStore('read models built from another log', (open) => {
  let dir: string;
  let store: ReadModelStore;
  const sides: ReadSide[] = [];
  const logs: SqliteEventStore[] = [];

  const log = async (name: string, events: readonly RecordedEvent[]) => {
    const events_ = new SqliteEventStore(join(dir, `${name}.sqlite`));
    logs.push(events_);
    for (const event of events) {
      await events_.appendToStream(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }]);
    }
    return events_;
  };
  const start = async (eventStore: SqliteEventStore, runProjections: boolean) => {
    const side = createCommandSide(eventStore, systemClock);
    const readSide = await ReadSide.start(
      { eventStore, readModels: store, clock: systemClock, commands: side.requests, repository: side.repository },
      { runProjections, slaWatchIntervalMs: 3_600_000, batchSize: 50 },
    );
    sides.push(readSide);
    return readSide;
  };
  const fresh = async (events: readonly RecordedEvent[]) => {
    const other = await open();
    try {
      await project(other, events);
      return await dumpReadModels(other);
    } finally {
      await other.close();
    }
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-other-log-'));
    store = await open();
  });
  afterEach(async () => {
    for (const side of sides.splice(0)) await side.stop();
    await store.close();
    for (const events of logs.splice(0)) await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are built again from the start by the process that runs the projections, and end equal to a fresh build of this log', async () => {
    const big = await log('big', history(30, 'other').events);
    const first = await start(big, true);
    expect(await first.waitFor(['request-summaries', 'impact-chain'], await big.headPosition(), 10_000)).toBe(true);
    await first.stop();

    const small = history(3, 'mine').events;
    const mine = await log('mine', small);
    const readSide = await start(mine, true);
    expect(await readSide.waitFor(['request-summaries', 'impact-chain'], await mine.headPosition(), 10_000)).toBe(true);
    expect(await dumpReadModels(store)).toEqual(await fresh(small));
  });

  it('are refused by a replica that only queries: it answers no position with another log’s data', async () => {
    const big = await log('big', history(30, 'other').events);
    const first = await start(big, true);
    expect(await first.waitFor(['request-summaries', 'impact-chain'], await big.headPosition(), 10_000)).toBe(true);
    await first.stop();

    const mine = await log('mine', history(3, 'mine').events);
    const replica = await start(mine, false);
    await expect(replica.waitFor(['request-summaries', 'impact-chain'], 1n, 1000)).rejects.toThrow(ReadModelNotOfThisLogError);
    await expect(replica.waitFor(['request-summaries'], 1n, 1000)).rejects.toThrow(/past the head of the log \(\d+\)/);
  });
});
