import { evolveRequest, initialRequestState, type RequestState } from '../request/request.state';
import type { RequestEvent } from '../request/request.events';
import { CommandRefusedError, ForbiddenError, InvalidCommandError, NotFoundError } from '../shared/errors';
import { agent, employee } from '../testing/fixtures';
import { specification, stateAfter } from '../testing/specification';
import type { Actor } from '../shared/event';
import { impactLookups, type ImpactDecisionContext } from './impact.decide';
import { impactDecider } from './impact.decider';
import type { ImpactEvent } from './impact.events';
import {
  evolveImpactGraph,
  evolveImpactGraphMany,
  impactPath,
  initialImpactGraphState,
  linksOf,
  type ImpactGraphState,
} from './impact.state';

function openedRequest(id: string, ...later: RequestEvent[]): RequestState {
  const opened: RequestEvent = {
    type: 'RequestOpened',
    data: {
      requestId: id,
      requesterId: 'emp-eva',
      audience: 'internal',
      requesterKind: 'employee',
      exposedToExternal: false,
      departmentId: 'it',
      subject: `request ${id}`,
      description: '',
      priority: 'high',
      impact: null,
      urgency: null,
      channel: 'portal',
      category: null,
      tier: 'L1',
      openedAt: '2025-03-03T08:00:00.000Z',
      sla: null,
    },
  };
  return [opened, ...later].reduce(evolveRequest, initialRequestState);
}

const requests = new Map<string, RequestState>(['A', 'B', 'C', 'D', 'E'].map((id) => [id, openedRequest(id)]));
requests.set('X', openedRequest('X', { type: 'RequestCancelled', data: { requestId: 'X', reason: 'duplicate' } }));

function context(actor: Actor = agent): ImpactDecisionContext {
  return { now: new Date('2025-03-03T08:00:00.000Z'), actor, requests };
}

const linked = (cause: string, effect: string, relation: 'blocks' | 'degrades' = 'blocks'): ImpactEvent => ({
  type: 'ImpactLinked',
  data: { causeRequestId: cause, effectRequestId: effect, relation },
});
const link = (cause: string, effect: string, relation: 'blocks' | 'degrades' = 'blocks') =>
  ({ type: 'LinkImpact', data: { causeRequestId: cause, effectRequestId: effect, relation } }) as const;
const unlink = (cause: string, effect: string) =>
  ({ type: 'UnlinkImpact', data: { causeRequestId: cause, effectRequestId: effect } }) as const;

const graph = specification(impactDecider);

describe('LinkImpact', () => {
  it('links a cause to its effect', () => {
    graph
      .given([])
      .when(link('A', 'B'), context())
      .then([linked('A', 'B')]);
  });

  it('allows a diamond (two paths to one effect are not a cycle)', () => {
    graph
      .given([linked('A', 'B'), linked('A', 'C'), linked('B', 'D')])
      .when(link('C', 'D', 'degrades'), context())
      .then([linked('C', 'D', 'degrades')]);
  });

  it('refuses a self-link as invalid', () => {
    const error = graph.given([]).when(link('A', 'A'), context()).thenThrows(InvalidCommandError, 'cannot link request A to itself');
    expect(error.fields).toEqual({ effectRequestId: 'must name another request than the cause' });
  });

  it('needs both requests to exist', () => {
    graph.given([]).when(link('A', 'Z'), context()).thenThrows(NotFoundError, 'the effect request Z does not exist');
    graph.given([]).when(link('Z', 'A'), context()).thenThrows(NotFoundError, 'the cause request Z does not exist');
  });

  it('refuses links to and from cancelled requests', () => {
    graph.given([]).when(link('A', 'X'), context()).thenThrows(CommandRefusedError, 'the effect request X is cancelled');
    graph.given([]).when(link('X', 'A'), context()).thenThrows(CommandRefusedError, 'the cause request X is cancelled');
  });

  it('refuses a direct cycle', () => {
    graph
      .given([linked('A', 'B')])
      .when(link('B', 'A'), context())
      .thenThrows(CommandRefusedError, 'linking B → A would close the cycle A → B → A');
  });

  it('refuses a cycle through a longer path, naming it', () => {
    graph
      .given([linked('A', 'B'), linked('B', 'C', 'degrades'), linked('C', 'D'), linked('A', 'E')])
      .when(link('D', 'A'), context())
      .thenThrows(CommandRefusedError, 'linking D → A would close the cycle A → B → C → D → A');
  });

  it('no longer sees a cycle once a link on the path is removed', () => {
    graph
      .given([linked('A', 'B'), linked('B', 'C'), { type: 'ImpactUnlinked', data: { causeRequestId: 'B', effectRequestId: 'C' } }])
      .when(link('C', 'A'), context())
      .then([linked('C', 'A')]);
  });

  it('refuses linking again with the same relation', () => {
    graph
      .given([linked('A', 'B')])
      .when(link('A', 'B'), context())
      .thenThrows(CommandRefusedError, 'already linked (A blocks B)');
  });

  it('changes the relation of an existing link', () => {
    graph
      .given([linked('A', 'B'), linked('B', 'C')])
      .when(link('A', 'B', 'degrades'), context())
      .then([linked('A', 'B', 'degrades')]);
  });

  it('refuses unknown relations and malformed ids', () => {
    const error = graph
      .given([])
      .when({ type: 'LinkImpact', data: { causeRequestId: 'A b', effectRequestId: 'B', relation: 'breaks' as never } }, context())
      .thenThrows(InvalidCommandError);
    expect(Object.keys(error.fields!)).toEqual(['causeRequestId', 'relation']);
  });

  it('is refused to requesters', () => {
    graph.given([]).when(link('A', 'B'), context(employee)).thenThrows(ForbiddenError, 'a requester may not link impact');
  });
});

describe('UnlinkImpact', () => {
  it('removes an existing link', () => {
    graph
      .given([linked('A', 'B')])
      .when(unlink('A', 'B'), context())
      .then([{ type: 'ImpactUnlinked', data: { causeRequestId: 'A', effectRequestId: 'B' } }]);
  });

  it('refuses a link that does not exist (or no longer does), in either direction', () => {
    graph.given([]).when(unlink('A', 'B'), context()).thenThrows(NotFoundError, 'there is no impact link from A to B');
    graph
      .given([linked('A', 'B')])
      .when(unlink('B', 'A'), context())
      .thenThrows(NotFoundError, 'no impact link from B to A');
    graph
      .given([linked('A', 'B'), { type: 'ImpactUnlinked', data: { causeRequestId: 'A', effectRequestId: 'B' } }])
      .when(unlink('A', 'B'), context())
      .thenThrows(NotFoundError);
  });

  it('is refused to requesters', () => {
    graph
      .given([linked('A', 'B')])
      .when(unlink('A', 'B'), context(employee))
      .thenThrows(ForbiddenError);
  });
});

describe('impactLookups', () => {
  it('loads both requests of a link, none for an unlink', () => {
    expect(impactLookups(link('A', 'B'))).toEqual({ departmentIds: [], customerIds: [], requestIds: ['A', 'B'] });
    expect(impactLookups(unlink('A', 'B'))).toEqual({ departmentIds: [], customerIds: [], requestIds: [] });
  });
});

describe('impact graph state', () => {
  it('starts absent with no links', () => {
    expect(impactDecider.initialState).toEqual({ status: 'absent' });
    expect(linksOf(impactDecider.initialState, 'A')).toEqual({ causes: [], effects: [] });
  });

  it('holds the current links both ways, with relation changes and unlinks applied', () => {
    const before = stateAfter(impactDecider, [linked('A', 'B'), linked('C', 'B', 'degrades')]);
    const after = impactDecider.evolve(before, linked('A', 'B', 'degrades'));
    const state = [{ type: 'ImpactUnlinked', data: { causeRequestId: 'C', effectRequestId: 'B' } } as const, linked('B', 'D')].reduce(
      impactDecider.evolve,
      after,
    );
    expect(state).toEqual({
      status: 'active',
      effectsByCause: new Map([
        ['A', new Map([['B', 'degrades']])],
        ['B', new Map([['D', 'blocks']])],
      ]),
      causesByEffect: new Map([
        ['B', new Map([['A', 'degrades']])],
        ['D', new Map([['B', 'blocks']])],
      ]),
    });
    expect(linksOf(state, 'B')).toEqual({
      causes: [{ requestId: 'A', relation: 'degrades' }],
      effects: [{ requestId: 'D', relation: 'blocks' }],
    });
    // Earlier states are untouched (copy-on-write).
    expect(linksOf(before, 'B').causes).toEqual([
      { requestId: 'A', relation: 'blocks' },
      { requestId: 'C', relation: 'degrades' },
    ]);
  });

  it('finds the shortest path downstream', () => {
    const state = stateAfter(impactDecider, [linked('A', 'B'), linked('B', 'C'), linked('C', 'D'), linked('A', 'D')]);
    expect(impactPath(state, 'A', 'D')).toEqual(['A', 'D']);
    expect(impactPath(state, 'B', 'D')).toEqual(['B', 'C', 'D']);
    expect(impactPath(state, 'D', 'A')).toBeNull();
  });
});

describe('loading the impact graph in bulk', () => {
  const link = (cause: string, effect: string, relation: 'blocks' | 'degrades' = 'blocks'): ImpactEvent => ({
    type: 'ImpactLinked',
    data: { causeRequestId: cause, effectRequestId: effect, relation },
  });
  const unlink = (cause: string, effect: string): ImpactEvent => ({
    type: 'ImpactUnlinked',
    data: { causeRequestId: cause, effectRequestId: effect },
  });
  const history: ImpactEvent[] = [
    link('A', 'B'),
    link('A', 'C'),
    link('B', 'C', 'degrades'),
    unlink('A', 'B'),
    link('A', 'C', 'degrades'),
    link('D', 'A'),
    unlink('D', 'A'),
  ];
  const view = (state: ImpactGraphState) => Object.fromEntries(['A', 'B', 'C', 'D'].map((id) => [id, linksOf(state, id)]));

  it('gives the same graph as applying the events one by one, from empty and from a loaded state', () => {
    const oneByOne = history.reduce(evolveImpactGraph, initialImpactGraphState);
    expect(view(evolveImpactGraphMany(initialImpactGraphState, history))).toEqual(view(oneByOne));
    const halfway = history.slice(0, 3).reduce(evolveImpactGraph, initialImpactGraphState);
    expect(view(evolveImpactGraphMany(halfway, history.slice(3)))).toEqual(view(oneByOne));
  });

  it('leaves the state it starts from untouched', () => {
    const before = history.slice(0, 3).reduce(evolveImpactGraph, initialImpactGraphState);
    const snapshot = view(before);
    evolveImpactGraphMany(before, history.slice(3));
    expect(view(before)).toEqual(snapshot);
  });
});
