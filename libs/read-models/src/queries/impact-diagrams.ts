import type { ImpactChain, ImpactRequestView } from './impact.query';

/**
 * A request's impact chain as a picture: Mermaid (pasted into a ```mermaid block, GitHub, GitLab and most wikis
 * draw it) and Graphviz DOT. One drawing for every reader: the CLI's `sd impact --format` and the API's
 * GET /impact/requests/{id} with Accept: text/vnd.mermaid or text/vnd.graphviz.
 */

interface Edge {
  cause: string;
  effect: string;
  relation: string;
}

function chainGraph(chain: ImpactChain): { nodes: ImpactRequestView[]; edges: Edge[] } {
  const nodes = [chain.request, ...chain.causes, ...chain.effects];
  const edges = [
    ...chain.effects.map((member) => ({ cause: member.via, effect: member.requestId, relation: member.relation })),
    // A cause's `via` is the request it acts on, one step nearer the root.
    ...chain.causes.map((member) => ({ cause: member.requestId, effect: member.via, relation: member.relation })),
  ];
  return { nodes, edges };
}

const labelLines = (request: ImpactRequestView) => [request.requestId, `${request.departmentId} · ${request.status}`, request.subject];

/** Mermaid flowchart: pasted into a ```mermaid block, GitHub, GitLab and most wikis draw it. */
export function chainMermaid(chain: ImpactChain): string {
  const { nodes, edges } = chainGraph(chain);
  const id = new Map(nodes.map((node, index) => [node.requestId, `r${index}`]));
  // Inside a quoted label Mermaid reads HTML: entities keep a subject's quotes and angle brackets as text.
  const text = (value: string) => value.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  return [
    'flowchart LR',
    ...nodes.map((node) => `  ${id.get(node.requestId)}["${labelLines(node).map(text).join('<br/>')}"]`),
    ...edges.map(
      (edge) => `  ${id.get(edge.cause)} ${edge.relation === 'blocks' ? '==>' : '-.->'}|${edge.relation}| ${id.get(edge.effect)}`,
    ),
    `  class ${id.get(chain.request.requestId)} root`,
    ...nodes.filter((node) => node.audience === 'external').map((node) => `  class ${id.get(node.requestId)} external`),
    '  classDef root stroke-width:3px',
    '  classDef external fill:#fde2e2',
  ].join('\n');
}

/** Graphviz DOT: `dot -Tsvg chain.dot > chain.svg`. */
export function chainDot(chain: ImpactChain): string {
  const { nodes, edges } = chainGraph(chain);
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const quote = (value: string) => `"${escape(value)}"`;
  return [
    'digraph impact {',
    '  rankdir=LR;',
    '  node [shape=box, style=rounded];',
    ...nodes.map((node) => {
      const label = `"${labelLines(node).map(escape).join('\\n')}"`;
      const root = node.requestId === chain.request.requestId ? ', penwidth=3' : '';
      const external = node.audience === 'external' ? ', style="rounded,filled", fillcolor="#fde2e2"' : '';
      return `  ${quote(node.requestId)} [label=${label}${root}${external}];`;
    }),
    ...edges.map(
      (edge) =>
        `  ${quote(edge.cause)} -> ${quote(edge.effect)} [label=${quote(edge.relation)}${edge.relation === 'blocks' ? '' : ', style=dashed'}];`,
    ),
    '}',
  ].join('\n');
}
