import fc from 'fast-check';
import { embeddedStoresOnOneFile, postgresStoresOnOneSchema, readWholeLog, type SharedEventStores } from '../support/shared-event-stores';
import type { EventStore } from '@desk/event-store';
import { describeSkipped } from '../support/describe-skipped';
import { openRequest, seedOrganisation } from '../api/support/org';
import { TestDesk, agent, type HttpAnswer } from '../api/support/test-desk';
import { auditImpactLog, hasCycle, reaches } from './support/race-audit';

/**
 * Impact links raced from both ends across TWO API instances on one store (each
 * with its own cache and queue: only the impact graph's expected revision
 * protects them): opposite pairs, triangles, rings of four and five closed from
 * every end at once, chains closed from several ends, and unlink/relink races.
 * Whatever the interleaving, the log's links and unlinks replayed never form a
 * cycle, every refused link is a 409 problem (an unlink of a link that is not
 * there a 404), no answer is a 5xx, and without unlinks exactly the links that
 * would close a cycle (or exist already) are refused. The read models of both
 * instances end with the log's links.
 */
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261124);
const SCALE = Number(process.env.RELIABILITY_SCALE ?? 1);
const ROUNDS = 12 * SCALE;

interface Op {
  kind: 'link' | 'unlink';
  cause: number;
  effect: number;
  relation: 'blocks' | 'degrades';
  instance: number;
}

interface Round {
  shape: 'ring' | 'chain' | 'relink';
  nodes: number;
  /** Links made one by one before the race. */
  before: [number, number][];
  ops: Op[];
}

const op = (nodes: number, kinds: Op['kind'][]) =>
  fc
    .record({
      kind: fc.constantFrom(...kinds),
      cause: fc.nat(nodes - 1),
      effect: fc.nat(nodes - 2),
      relation: fc.constantFrom('blocks' as const, 'degrades' as const),
      instance: fc.nat(1),
    })
    // Never a self-link: that is a 400 of its own, not a race.
    .map((o) => ({ ...o, effect: o.effect >= o.cause ? o.effect + 1 : o.effect }));

const ring = fc.integer({ min: 2, max: 5 }).chain((nodes) =>
  fc.record({
    shape: fc.constant('ring' as const),
    nodes: fc.constant(nodes),
    before: fc.constant([] as [number, number][]),
    // Every link of the ring, each from a random instance, in a random order, plus a few others.
    ops: fc
      .tuple(fc.array(fc.nat(1), { minLength: nodes, maxLength: nodes }), fc.array(op(nodes, ['link']), { maxLength: 3 }))
      .chain(([instances, extra]) =>
        fc.shuffledSubarray(
          [
            ...instances.map((instance, i) => ({
              kind: 'link' as const,
              cause: i,
              effect: (i + 1) % nodes,
              relation: 'blocks' as const,
              instance,
            })),
            ...extra,
          ],
          { minLength: nodes + extra.length },
        ),
      ),
  }),
);

const chain = fc.integer({ min: 4, max: 5 }).chain((nodes) => {
  // 0 → 1 → … → n-1 stands; every back link (j → i, j > i) closes a cycle, shortcuts (i → j, j > i + 1) do not.
  const back: Omit<Op, 'instance'>[] = [];
  const shortcuts: Omit<Op, 'instance'>[] = [];
  for (let i = 0; i < nodes; i++)
    for (let j = i + 1; j < nodes; j++) {
      back.push({ kind: 'link', cause: j, effect: i, relation: 'blocks' });
      if (j > i + 1) shortcuts.push({ kind: 'link', cause: i, effect: j, relation: 'degrades' });
    }
  return fc.record({
    shape: fc.constant('chain' as const),
    nodes: fc.constant(nodes),
    before: fc.constant(Array.from({ length: nodes - 1 }, (_, i) => [i, i + 1] as [number, number])),
    ops: fc
      .tuple(
        fc.shuffledSubarray([...back, ...shortcuts], { minLength: back.length }),
        fc.array(fc.nat(1), { minLength: 20, maxLength: 20 }),
      )
      .map(([chosen, instances]) => chosen.map((o, k) => ({ ...o, instance: instances[k % instances.length] }))),
  });
});

const relink = fc.integer({ min: 2, max: 4 }).chain((nodes) =>
  fc.record({
    shape: fc.constant('relink' as const),
    nodes: fc.constant(nodes),
    before: fc.constant(Array.from({ length: nodes - 1 }, (_, i) => [i, i + 1] as [number, number])),
    ops: fc.array(op(nodes, ['link', 'unlink', 'unlink']), { minLength: 4, maxLength: 12 }),
  }),
);

const round: fc.Arbitrary<Round> = fc.noBias(fc.oneof(ring, chain, relink));

function describeTwoInstances(name: string, makeStores: () => Promise<SharedEventStores>) {
  describe(`impact links raced across two API instances (${name})`, () => {
    let desks: TestDesk[];
    let store: EventStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const made = await makeStores();
      cleanup = made.cleanup;
      store = made.stores[0];
      desks = [await TestDesk.start({ store: made.stores[0] }), await TestDesk.start({ store: made.stores[1] })];
      await seedOrganisation(desks[0]);
    });
    afterAll(async () => {
      for (const desk of desks ?? []) await desk.stop();
      await cleanup?.();
    });

    it(`${ROUNDS} rounds of pairs, triangles, rings, chains closed from several ends and unlink/relink races leave no cycle`, async () => {
      let run = 0;
      const shapes = new Map<string, number>();
      const outcome = await fc.check(
        fc.asyncProperty(round, async ({ shape, nodes, before, ops }) => {
          run++;
          shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
          const ids = Array.from({ length: nodes }, (_, n) => `link-${run}-${n}`);
          for (const id of ids) await openRequest(desks[run % 2], id);
          for (const [cause, effect] of before) {
            await desks[(run + cause) % 2].expect(201, 'POST', `/requests/${ids[cause]}/impacts`, {
              as: agent(),
              body: { effectRequestId: ids[effect], relation: 'blocks' },
            });
          }

          const answers: HttpAnswer[] = await Promise.all(
            ops.map((o) =>
              o.kind === 'link'
                ? desks[o.instance].call('POST', `/requests/${ids[o.cause]}/impacts`, {
                    as: agent(`agent-${o.instance}`),
                    body: { effectRequestId: ids[o.effect], relation: o.relation },
                  })
                : desks[o.instance].call('DELETE', `/requests/${ids[o.cause]}/impacts/${ids[o.effect]}`, {
                    as: agent(`agent-${o.instance}`),
                  }),
            ),
          );
          answers.forEach((answer, k) => {
            const allowed = ops[k].kind === 'link' ? [201, 409] : [200, 404];
            if (!allowed.includes(answer.status)) throw new Error(`${JSON.stringify(ops[k])}: ${answer.status} ${answer.raw}`);
            if (answer.status >= 400) expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
          });

          // The log replayed: legal at every step, never a cycle.
          const log = await readWholeLog(store);
          const graph = auditImpactLog(log);
          expect(hasCycle(graph)).toBe(false);
          const links = (cause: number) => graph.get(ids[cause]) ?? new Map<string, string>();

          if (!ops.some((o) => o.kind === 'unlink')) {
            // Links only ever grow here, so a link refused against some earlier graph is refused against the last one too:
            // exactly the links that exist already (with that relation) or would close a cycle are refused.
            ops.forEach((o, k) => {
              const linked = links(o.cause).has(ids[o.effect]);
              if (answers[k].status === 201) expect(linked).toBe(true);
              else if (/would close the cycle/.test(answers[k].body.detail)) expect(reaches(graph, ids[o.effect], ids[o.cause])).toBe(true);
              else expect([answers[k].body.detail, linked]).toEqual([expect.stringMatching(/already linked/), true]);
              // …and a link that would not close a cycle in the end was not refused as one.
              if (!reaches(graph, ids[o.effect], ids[o.cause])) expect([o, answers[k].status === 201 || linked]).toEqual([o, true]);
            });
            if (shape === 'ring' && ops.length === nodes) {
              // A ring of n links sent at once: n - 1 of them hold (for two, the pair A → B, B → A: one).
              const ringLinks = ops.filter((o) => o.cause + 1 === o.effect || (o.cause === nodes - 1 && o.effect === 0));
              const held = ringLinks.filter((o) => links(o.cause).has(ids[o.effect]));
              expect(new Set(held.map((o) => `${o.cause}>${o.effect}`)).size).toBe(nodes - 1);
            }
            if (shape === 'chain') {
              // Every back link closes a cycle with the chain: all refused.
              ops.forEach((o, k) => o.cause > o.effect && expect(answers[k].status).toBe(409));
            }
          }

          // Both instances answer the links as the log has them, and their read models hold them once caught up.
          const head = log[log.length - 1].position;
          for (const desk of desks) {
            expect(await desk.readSide.waitFor(['impact-chain'], head, 10_000)).toBe(true);
            for (const [n, id] of ids.entries()) {
              const view = await desk.expect(200, 'GET', `/requests/${id}`, { as: agent() });
              const effects = [...links(n)]
                .map(([effect, relation]) => ({ requestId: effect, relation }))
                .sort((a, b) => a.requestId.localeCompare(b.requestId));
              expect([
                id,
                [...view.impacts.effects].sort((a: { requestId: string }, b: { requestId: string }) =>
                  a.requestId.localeCompare(b.requestId),
                ),
              ]).toEqual([id, effects]);
            }
            const rows = await desk.readModels.reader
              .selectFrom('impact_links')
              .select(['cause_id', 'effect_id', 'relation'])
              .where('cause_id', 'in', ids)
              .execute();
            const stored = rows.map((row) => `${row.cause_id}>${row.effect_id}:${row.relation}`).sort();
            const expected = ids.flatMap((id, n) => [...links(n)].map(([effect, relation]) => `${id}>${effect}:${relation}`)).sort();
            expect(stored).toEqual(expected);
          }
        }),
        { seed: SEED, numRuns: ROUNDS, endOnFailure: true },
      );
      if (outcome.failed) {
        throw new Error(
          `round ${outcome.counterexamplePath} of seed ${outcome.seed} failed (${JSON.stringify(outcome.counterexample)}):\n${(outcome.errorInstance as Error | undefined)?.stack ?? ''}`,
        );
      }
      expect([...shapes.keys()].sort()).toEqual(['chain', 'relink', 'ring']);
    }, 120_000);
  });
}

describeTwoInstances('embedded store', () => embeddedStoresOnOneFile(2, 'desk-impact-two-'));

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describeTwoInstances('PostgreSQL event store', () => postgresStoresOnOneSchema(databaseUrl, 2, 'links'));
} else {
  describeSkipped('impact links raced across two API instances (PostgreSQL event store)', 'DATABASE_URL is not set');
}
