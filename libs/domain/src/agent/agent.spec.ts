import { CommandRefusedError, ForbiddenError, InvalidCommandError, NotFoundError } from '../shared/errors';
import { agent, hrDepartment, itDepartment, manager, operator, system } from '../testing/fixtures';
import { specification, stateAfter } from '../testing/specification';
import type { RegisterAgent } from './agent.commands';
import { agentLookups, MAX_AGENT_DEPARTMENTS, type AgentDecisionContext } from './agent.decide';
import { agentDecider } from './agent.decider';
import type { AgentEvent } from './agent.events';
import { worksIn } from './agent.state';

const now = new Date('2025-03-03T08:00:00.000Z');
const context: AgentDecisionContext = {
  now,
  actor: manager,
  departments: new Map([
    ['it', itDepartment],
    ['hr', hrDepartment],
  ]),
};
const agents = specification(agentDecider);

function register(data: Partial<RegisterAgent['data']> = {}): RegisterAgent {
  return { type: 'RegisterAgent', data: { agentId: 'agent-ann', name: ' Ann ', departmentIds: ['it'], tier: 'L1', ...data } };
}

const registered: AgentEvent = {
  type: 'AgentRegistered',
  data: { agentId: 'agent-ann', name: 'Ann', departmentIds: ['it'], tier: 'L1' },
};

describe('RegisterAgent', () => {
  it('registers an agent with the departments they work in and their tier', () => {
    agents.given([]).when(register(), context).then([registered]);
  });

  it('is open to operators too, and refused to agents', () => {
    agents.given([]).when(register(), { ...context, actor: operator }).then([registered]);
    agents
      .given([])
      .when(register(), { ...context, actor: agent })
      .thenThrows(ForbiddenError, 'an agent may not register an agent: only manager, operator, system may');
  });

  it("keeps ids with ':' for the desk's own processes: an import registers its agents as <source>:<id>", () => {
    for (const actor of [manager, operator]) {
      agents
        .given([])
        .when(register({ agentId: 'volvo:ann' }), { ...context, actor })
        .thenThrows(ForbiddenError, `may not create agent volvo:ann: ids with ':' are reserved for the desk's own processes`);
    }
    agents
      .given([])
      .when(register({ agentId: 'volvo:ann' }), { ...context, actor: system })
      .then([{ ...registered, data: { ...registered.data, agentId: 'volvo:ann' } }]);
  });

  it('refuses an agent that is already registered', () => {
    agents.given([registered]).when(register(), context).thenThrows(CommandRefusedError, 'agent-ann: they are already registered (as "Ann")');
  });

  it('needs every department named to exist, naming the missing ones', () => {
    agents
      .given([])
      .when(register({ departmentIds: ['it', 'kitchen'] }), context)
      .thenThrows(NotFoundError, 'cannot register agent agent-ann: department kitchen does not exist');
    agents
      .given([])
      .when(register({ departmentIds: ['kitchen', 'garden'] }), context)
      .thenThrows(NotFoundError, 'departments kitchen, garden do not exist');
  });

  it('refuses a bad id, name, department list and tier, naming every field', () => {
    const error = agents
      .given([])
      .when(register({ agentId: 'a b', name: ' ', departmentIds: [], tier: 'L9' }), context)
      .thenThrows(InvalidCommandError, 'invalid RegisterAgent');
    expect(error.fields).toEqual({
      agentId: expect.stringContaining('must be 1–128 letters'),
      name: 'must not be empty',
      departmentIds: `must list 1 to ${MAX_AGENT_DEPARTMENTS} department ids`,
      tier: 'must be one of L1, L2, L3',
    });
  });

  it('names a repeated or malformed department by its index', () => {
    const error = agents
      .given([])
      .when(register({ departmentIds: ['it', 'it', 'no good'] }), context)
      .thenThrows(InvalidCommandError);
    expect(error.fields).toEqual({ 'departmentIds[1]': 'repeats department it', 'departmentIds[2]': expect.stringContaining('must be 1–128') });
  });
});

describe('ChangeAgent', () => {
  it('moves an agent between teams: the new list, and who joined and left', () => {
    agents
      .given([registered])
      .when({ type: 'ChangeAgent', data: { departmentIds: ['hr'] } }, context)
      .then([{ type: 'AgentDepartmentsChanged', data: { agentId: 'agent-ann', departmentIds: ['hr'], joined: ['hr'], left: ['it'] } }]);
  });

  it('renames and changes tier in one command, one event each, in a fixed order', () => {
    agents
      .given([registered])
      .when({ type: 'ChangeAgent', data: { tier: 'L2', name: 'Ann Peeters', departmentIds: ['it'] } }, context)
      .then([
        { type: 'AgentRenamed', data: { agentId: 'agent-ann', name: 'Ann Peeters', previousName: 'Ann' } },
        { type: 'AgentTierChanged', data: { agentId: 'agent-ann', tier: 'L2', previousTier: 'L1' } },
      ]);
  });

  it('refuses a change that changes nothing, and one that gives nothing', () => {
    agents
      .given([registered])
      .when({ type: 'ChangeAgent', data: { name: 'Ann', tier: 'L1' } }, context)
      .thenThrows(CommandRefusedError, 'cannot change agent agent-ann: they already have the name, departments and tier given');
    const error = agents.given([registered]).when({ type: 'ChangeAgent', data: {} }, context).thenThrows(InvalidCommandError);
    expect(error.fields).toEqual({ name: 'give at least one of name, departmentIds or tier to change' });
  });

  it('needs the departments joined to exist, and the agent to be registered', () => {
    agents
      .given([registered])
      .when({ type: 'ChangeAgent', data: { departmentIds: ['it', 'kitchen'] } }, context)
      .thenThrows(NotFoundError, 'cannot change agent agent-ann: department kitchen does not exist');
    agents
      .given([])
      .when({ type: 'ChangeAgent', data: { tier: 'L2' } }, context)
      .thenThrows(NotFoundError, 'cannot change an agent that is not registered');
  });

  it('is refused to agents, even about themselves', () => {
    agents
      .given([registered])
      .when({ type: 'ChangeAgent', data: { tier: 'L3' } }, { ...context, actor: agent })
      .thenThrows(ForbiddenError, 'an agent may not change an agent');
  });
});

describe('agentLookups', () => {
  it('loads each well-formed department named, once', () => {
    expect(agentLookups(register({ departmentIds: ['it', 'hr', 'it', 'no good'] }))).toEqual({
      departmentIds: ['it', 'hr'],
      customerIds: [],
      requestIds: [],
    });
    expect(agentLookups({ type: 'ChangeAgent', data: { tier: 'L2' } })).toEqual({ departmentIds: [], customerIds: [], requestIds: [] });
  });
});

describe('agent state', () => {
  it('is what was registered, with every change applied; worksIn reads it', () => {
    const state = stateAfter(agentDecider, [
      registered,
      { type: 'AgentDepartmentsChanged', data: { agentId: 'agent-ann', departmentIds: ['it', 'hr'], joined: ['hr'], left: [] } },
      { type: 'AgentRenamed', data: { agentId: 'agent-ann', name: 'Ann P.', previousName: 'Ann' } },
      { type: 'AgentTierChanged', data: { agentId: 'agent-ann', tier: 'L3', previousTier: 'L1' } },
    ]);
    expect(state).toEqual({ status: 'registered', agentId: 'agent-ann', name: 'Ann P.', departmentIds: ['it', 'hr'], tier: 'L3' });
    expect(worksIn(state, 'hr')).toBe(true);
    expect(worksIn(state, 'finance')).toBe(false);
    expect(worksIn(agentDecider.initialState, 'it')).toBe(false);
    expect(worksIn(undefined, 'it')).toBe(false);
  });

  it('refuses a change to an agent never registered', () => {
    expect(() => stateAfter(agentDecider, [{ type: 'AgentTierChanged', data: { agentId: 'x', tier: 'L2', previousTier: 'L1' } }])).toThrow(
      'AgentTierChanged applied to an agent that was never registered',
    );
  });
});
