import { TestDesk, agent } from './support/test-desk';
import { openRequest, seedOrganisation } from './support/org';

/**
 * Impact links raced from both ends, and around longer cycles: whatever the
 * interleaving, the links in the log never form a cycle, every refused link
 * is a 409 problem, and no answer is a 5xx.
 */
describe('impact links raced from both ends', () => {
  let desk: TestDesk;
  afterEach(async () => {
    await desk?.stop();
  });

  function hasCycle(links: [string, string][]): boolean {
    const next = new Map<string, string[]>();
    for (const [cause, effect] of links) next.set(cause, [...(next.get(cause) ?? []), effect]);
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (node: string): boolean => {
      if (visiting.has(node)) return true;
      if (done.has(node)) return false;
      visiting.add(node);
      const cyclic = (next.get(node) ?? []).some(visit);
      visiting.delete(node);
      done.add(node);
      return cyclic;
    };
    return [...next.keys()].some(visit);
  }

  it('lets exactly one of two opposite links win, and no cycle of three slips through', async () => {
    desk = await TestDesk.start();
    await seedOrganisation(desk);
    const rounds = 20;
    const link = (cause: string, effect: string) =>
      desk.call('POST', `/requests/${cause}/impacts`, { as: agent(), body: { effectRequestId: effect, relation: 'blocks' } });
    const attempted: [string, string][] = [];
    const accepted: [string, string][] = [];
    for (let round = 0; round < rounds; round++) {
      const [a, b, c] = ['a', 'b', 'c'].map((name) => `${name}-${round}`);
      for (const id of [a, b, c]) await openRequest(desk, id);
      const pairs: [string, string][] =
        round % 2 === 0
          ? [
              [a, b],
              [b, a],
            ]
          : [
              [a, b],
              [b, c],
              [c, a],
            ];
      const answers = await Promise.all(pairs.map(([cause, effect]) => link(cause, effect)));
      answers.forEach((answer, index) => {
        attempted.push(pairs[index]);
        expect([201, 409]).toContain(answer.status);
        if (answer.status === 409) expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
        else accepted.push(pairs[index]);
      });
      // Two opposite links: one wins. Three around a triangle: two win, the third would close the cycle.
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(pairs.length - 1);
    }
    // The log holds exactly the accepted links, and they form no cycle.
    const linked = (await desk.store.readAll({ eventTypes: ['ImpactLinked'], maxCount: 10_000 })).map(
      (event) => [event.data.causeRequestId, event.data.effectRequestId] as [string, string],
    );
    expect(linked.sort()).toEqual([...accepted].sort());
    expect(accepted).toHaveLength(attempted.length - rounds);
    expect(hasCycle(linked)).toBe(false);
  });
});
