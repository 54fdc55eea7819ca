import { sql } from 'kysely';
import { ImpactChainProjection } from '../projections';
import { openSqlite, type ReadModelStore } from '../store/read-model-store';
import { blockedDownstreamQuery } from './workload.query';

/**
 * What a department's open internal work blocks downstream (the impact part of
 * its workload). bench/soak.ts found the recursive step driven by the index on
 * is_open: every open request visited for each request downstream, seconds per
 * workload once a thousand requests were open, enough to saturate the API.
 */
describe('the workload: what a department blocks downstream', () => {
  let store: ReadModelStore;

  beforeEach(async () => {
    store = openSqlite(':memory:');
    await new ImpactChainProjection().createTables(store.writer);
    const node = (id: string, department: string, audience: string, open: boolean, requester = `${id}-requester`) =>
      sql`insert into impact_nodes (request_id, revision, department_id, requester_id, audience, exposed_to_external, subject,
            status, is_open, priority, priority_rank, effective_priority, effective_rank, blocks_requests,
            blocks_external_requests, blocks_external_customers, blocks_exposed_requests)
          values (${id}, 0, ${department}, ${requester}, ${audience}, 0, 'subject', ${open ? 'in_progress' : 'closed'}, ${open ? 1 : 0},
            'medium', 2, 'medium', 2, 0, 0, 0, 0)`.execute(store.writer);
    const link = (cause: string, effect: string) =>
      sql`insert into impact_links (cause_id, effect_id, relation, linked_at) values (${cause}, ${effect}, 'blocks', '2026-01-01T00:00:00Z')`.execute(
        store.writer,
      );
    // it: a1 → a2 → x1, a1 → x2 (open), a1 → x3 (closed: blocks nothing); hr: b1 → x1; and many open requests beside.
    await node('a1', 'it', 'internal', true);
    await node('a2', 'it', 'internal', true);
    await node('b1', 'hr', 'internal', true);
    await node('x1', 'shop', 'external', true, 'customer-1');
    await node('x2', 'shop', 'external', true, 'customer-2');
    await node('x3', 'shop', 'external', false, 'customer-3');
    for (let i = 0; i < 500; i++) await node(`other-${i}`, 'shop', i % 2 ? 'external' : 'internal', true);
    for (const [cause, effect] of [
      ['a1', 'a2'],
      ['a2', 'x1'],
      ['a1', 'x2'],
      ['a1', 'x3'],
      ['b1', 'x1'],
    ])
      await link(cause, effect);
  });

  afterEach(async () => {
    await store.close();
  });

  it('counts the distinct open requests and customers downstream, through chains', async () => {
    const figures = async (department: string) => {
      const { rows } = await blockedDownstreamQuery(department).execute(store.reader);
      return rows.map((row) => [Number(row.external_requests), Number(row.external_customers)]);
    };
    expect(await figures('it')).toEqual([[2, 2]]);
    expect(await figures('hr')).toEqual([[1, 1]]);
    expect(await figures('shop')).toEqual([[0, 0]]);
  });

  it('walks from each request reached to its links, not through every open request (SQLite plan)', async () => {
    const { rows } = await sql<{ detail: string }>`explain query plan ${blockedDownstreamQuery('it')}`.execute(store.reader);
    const details = rows.map((row) => row.detail);
    const recursive = details.slice(details.indexOf('RECURSIVE STEP') + 1, details.indexOf('RECURSIVE STEP') + 4);
    expect(recursive[0]).toBe('SCAN d');
    expect(recursive.join('\n')).not.toMatch(/impact_nodes_blockers/);
    expect(recursive.join('\n')).toMatch(/SEARCH e USING INDEX sqlite_autoindex_impact_nodes_1 \(request_id=\?\)/);
  });
});
