import type { Random } from '../support/seeded-random';
import type { Case, PoorRating, StepKind } from './cases';
import { AGENTS, INTERNAL_DEPARTMENTS, PRIORITIES } from './desk';
import type { SoakTokens } from './tokens';

/** The HTTP call of each step of a request's lifecycle, and what it changes once acknowledged. */

export interface Call {
  route: string;
  method?: string;
  path: string;
  token: string;
  body?: unknown;
  /** What the command changes, once acknowledged. */
  apply: () => void;
}

/** What the steps read and change beside their own request: the requests they link, the ratings to follow up. */
export interface StepContext {
  random: Random;
  pick: <T>(items: readonly T[]) => T;
  tokens: SoakTokens;
  activeExternal: Case[];
  linkedCauses: Case[];
  poorRatings: PoorRating[];
}

/** The HTTP call of the case's next step; undefined to skip the step (nothing to link to yet, nothing to unlink). */
export function stepCall(
  c: Case,
  kind: StepKind,
  { random, pick, tokens, activeExternal, linkedCauses, poorRatings }: StepContext,
): Call | undefined {
  const path = `/requests/${c.id}`;
  const worker = tokens.agent(c.assigneeId);
  switch (kind) {
    case 'open':
      return {
        route: '/requests',
        path: '/requests',
        token: tokens.agent(null),
        body: {
          id: c.id,
          requesterId: c.requesterId,
          departmentId: c.departmentId,
          subject: `Soak request ${c.id}`,
          description: 'Opened by bench/soak.ts',
          priority: c.priority,
          channel: pick(['portal', 'email', 'phone', 'chat']),
        },
        apply: () => {
          c.status = 'new';
          if (c.audience === 'external') activeExternal.push(c);
        },
      };
    case 'link': {
      if (activeExternal.length === 0) return undefined;
      const effect = pick(activeExternal);
      return {
        route: '/requests/:id/impacts',
        path: `${path}/impacts`,
        token: worker,
        body: { effectRequestId: effect.id, relation: random() < 0.7 ? 'blocks' : 'degrades' },
        apply: () => {
          c.effectId = effect.id;
          linkedCauses.push(c);
        },
      };
    }
    case 'unlink':
      if (!c.effectId) return undefined;
      return {
        route: '/requests/:id/impacts/:effectRequestId',
        method: 'DELETE',
        path: `${path}/impacts/${c.effectId}`,
        token: worker,
        apply: () => (c.effectId = null),
      };
    case 'transfer': {
      const to = pick(INTERNAL_DEPARTMENTS.filter((d) => d !== c.departmentId));
      return {
        route: '/requests/:id/transfer',
        path: `${path}/transfer`,
        token: worker,
        body: { departmentId: to, reason: 'Belongs elsewhere' },
        apply: () => {
          c.departmentId = to;
          c.status = 'new';
          c.assigneeId = null;
        },
      };
    }
    case 'reply':
    case 'note':
      return {
        route: '/requests/:id/comments',
        path: `${path}/comments`,
        token: worker,
        body: {
          body: kind === 'reply' ? 'We are looking into it.' : 'Checked the logs, nothing yet.',
          visibility: kind === 'reply' ? 'public' : 'internal',
        },
        apply: () => {},
      };
    case 'assign':
    case 'reassign': {
      let agentId = `agent-${Math.floor(random() * AGENTS)}`;
      if (agentId === c.assigneeId) agentId = `agent-${(Number(agentId.slice(6)) + 1) % AGENTS}`;
      return {
        route: '/requests/:id/assign',
        path: `${path}/assign`,
        token: random() < 0.5 ? tokens.manager : worker,
        body: { agentId },
        apply: () => {
          c.assigneeId = agentId;
          c.status = 'assigned';
        },
      };
    }
    case 'start':
      return { route: '/requests/:id/start', path: `${path}/start`, token: worker, apply: () => (c.status = 'in_progress') };
    case 'hold':
      return {
        route: '/requests/:id/hold',
        path: `${path}/hold`,
        token: worker,
        body: { reason: random() < 0.5 ? 'awaiting_requester' : 'awaiting_third_party', note: 'Waiting' },
        apply: () => (c.status = 'on_hold'),
      };
    case 'resume':
      return { route: '/requests/:id/resume', path: `${path}/resume`, token: worker, apply: () => (c.status = 'in_progress') };
    case 'priority': {
      const to = pick(PRIORITIES.filter((p) => p !== c.priority));
      return {
        route: '/requests/:id/priority',
        path: `${path}/priority`,
        token: worker,
        body: { priority: to, reason: 'Reassessed' },
        apply: () => (c.priority = to),
      };
    }
    case 'escalate':
      return {
        route: '/requests/:id/escalate',
        path: `${path}/escalate`,
        token: worker,
        body: { reason: 'Needs L2' },
        apply: () => {},
      };
    case 'compensate':
      return {
        route: '/requests/:id/compensation',
        path: `${path}/compensation`,
        token: worker,
        body: { kind: pick(['refund', 'credit', 'discount']), amount: 10 + Math.floor(random() * 90), currency: 'EUR', note: 'Sorry' },
        apply: () => {},
      };
    case 'resolve':
      return {
        route: '/requests/:id/resolve',
        path: `${path}/resolve`,
        token: worker,
        body: { resolution: 'Fixed' },
        apply: () => (c.status = 'resolved'),
      };
    case 'reopen':
      return {
        route: '/requests/:id/reopen',
        path: `${path}/reopen`,
        token: tokens.requester(c.requesterId),
        body: { reason: 'Still broken' },
        apply: () => (c.status = 'in_progress'),
      };
    case 'rate': {
      // One rating in twenty is poor (1 or 2): the follow-up process opens a request for it.
      const score = random() < 0.05 ? 1 + Math.floor(random() * 2) : 3 + Math.floor(random() * 3);
      return {
        route: '/requests/:id/satisfaction',
        path: `${path}/satisfaction`,
        token: tokens.requester(c.requesterId),
        body: { score, comment: score <= 2 ? 'Not good' : 'Thanks' },
        apply: () => {
          c.rating = score;
          if (score <= 2) poorRatings.push({ requestId: c.id, departmentId: c.departmentId });
        },
      };
    }
    case 'close':
      return {
        route: '/requests/:id/close',
        path: `${path}/close`,
        token: random() < 0.5 ? tokens.requester(c.requesterId) : worker,
        apply: () => (c.status = 'closed'),
      };
    case 'cancel':
      return {
        route: '/requests/:id/cancel',
        path: `${path}/cancel`,
        token: tokens.requester(c.requesterId),
        body: { reason: 'No longer needed' },
        apply: () => (c.status = 'cancelled'),
      };
  }
}
