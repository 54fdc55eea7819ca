import type { ImpactLinkRow, ImpactNodeRow } from '../../store/read-model-tables';
import { impactFigures } from './impact-closure';

function node(id: string, fields: Partial<ImpactNodeRow> = {}): ImpactNodeRow {
  return {
    request_id: id,
    revision: 0,
    department_id: 'it',
    requester_id: `customer-of-${id}`,
    audience: 'internal',
    exposed_to_external: 0,
    subject: id,
    status: 'new',
    is_open: 1,
    priority: 'low',
    priority_rank: 3,
    resolution_due_at: null,
    effective_priority: 'low',
    effective_rank: 3,
    blocks_requests: 0,
    blocks_external_requests: 0,
    blocks_external_customers: 0,
    blocks_exposed_requests: 0,
    inherited_deadline: null,
    ...fields,
  };
}

function graph(nodes: ImpactNodeRow[], links: [string, string][]) {
  const outgoing = new Map<string, ImpactLinkRow[]>();
  for (const [cause, effect] of links) {
    outgoing.set(cause, [...(outgoing.get(cause) ?? []), { cause_id: cause, effect_id: effect, relation: 'blocks', linked_at: '' }]);
  }
  return { nodes: new Map(nodes.map((n) => [n.request_id, n])), outgoing };
}

describe('impactFigures', () => {
  it('counts distinct external customers, external requests and exposed requests downstream, once each through a diamond', () => {
    const { nodes, outgoing } = graph(
      [
        node('root'),
        node('left', { exposed_to_external: 1 }),
        node('right'),
        node('ext-1', { audience: 'external', requester_id: 'olga', priority_rank: 1, resolution_due_at: '2026-03-02T15:00:00.000Z' }),
        node('ext-2', { audience: 'external', requester_id: 'olga', priority_rank: 0, resolution_due_at: '2026-03-02T12:00:00.000Z' }),
      ],
      [
        ['root', 'left'],
        ['root', 'right'],
        ['left', 'ext-1'],
        ['right', 'ext-1'],
        ['right', 'ext-2'],
      ],
    );
    expect(impactFigures('root', nodes, outgoing)).toEqual({
      effective_priority: 'critical',
      effective_rank: 0,
      blocks_requests: 4,
      blocks_external_requests: 2,
      blocks_external_customers: 1,
      blocks_exposed_requests: 1,
      inherited_deadline: '2026-03-02T12:00:00.000Z',
    });
  });

  it('does not pass through a request that is no longer open', () => {
    const { nodes, outgoing } = graph(
      [node('root'), node('middle', { is_open: 0 }), node('ext', { audience: 'external', priority_rank: 0 })],
      [
        ['root', 'middle'],
        ['middle', 'ext'],
      ],
    );
    expect(impactFigures('root', nodes, outgoing)).toMatchObject({ blocks_requests: 0, effective_priority: 'low' });
  });

  it('gives a closed request no downstream, whatever its links', () => {
    const { nodes, outgoing } = graph([node('root', { is_open: 0 }), node('ext', { audience: 'external' })], [['root', 'ext']]);
    expect(impactFigures('root', nodes, outgoing)).toMatchObject({ blocks_requests: 0, blocks_external_requests: 0 });
  });
});
