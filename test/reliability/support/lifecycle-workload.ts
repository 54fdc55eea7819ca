import type { Random } from '../../../bench/support/seeded-random';
import { agentStream } from '@desk/domain';
import { agent as agentCalled, bearer, manager, type Caller } from '../../support/callers';
import { checked, contractAt, type OpenApiContract } from '../../support/openapi-contract';

/** One command of a scripted request lifecycle, with the events its one append must hold. */
export interface Step {
  /** Idempotency-Key: unique per step, so the log tells which step wrote which events. */
  key: string;
  method: 'POST' | 'PUT';
  path: string;
  body: Record<string, unknown>;
  as: Caller;
  streamId: string;
  /** The event types the command appends, in order: fewer would be a torn write, more a duplicate. */
  expectedTypes: string[];
}

/** What a command's answer said: the log must hold its events ending at this revision and position. */
export interface Acknowledgement {
  revision: string;
  position: string;
}

export type Outcome =
  | { kind: 'acknowledged'; answer: Acknowledgement }
  /** No answer came (the process died with the command in flight, or before it was sent): retried after restart. */
  | { kind: 'unknown'; error: string }
  /** An answer other than 2xx: the workload only sends valid commands, so any such answer fails the suite. */
  | { kind: 'refused'; status: number; body: string; phase: string };

export interface Http {
  send(step: Step): Promise<{ status: number; body: unknown }>;
}

interface Script {
  requestId: string;
  steps: Step[];
  /** Index of the next step to send. */
  next: number;
}

const ORGANISATION_STEPS = (): Step[] => {
  const department = (id: string, name: string): Step => ({
    key: `setup-department-${id}`,
    method: 'POST',
    path: '/departments',
    body: { id, name },
    as: manager,
    streamId: `department-${id}`,
    expectedTypes: ['DepartmentRegistered'],
  });
  const standard = (id: string, audience: 'internal' | 'external'): Step => ({
    key: `setup-standard-${id}`,
    method: 'PUT',
    path: `/departments/${id}/service-standard`,
    // Long targets: nothing may breach while the suite runs (its log is compared with a fresh rebuild).
    body: {
      targets: ['critical', 'high', 'medium', 'low'].map((priority) => ({
        priority,
        audience,
        firstResponseMinutes: 7 * 24 * 60,
        resolutionMinutes: 30 * 24 * 60,
      })),
    },
    as: manager,
    streamId: `department-${id}`,
    expectedTypes: ['ServiceStandardPublished'],
  });
  const customer = (id: string, body: Record<string, unknown>): Step => ({
    key: `setup-customer-${id}`,
    method: 'POST',
    path: '/customers',
    body: { id, name: `Customer ${id}`, ...body },
    as: manager,
    streamId: `customer-${id}`,
    expectedTypes: ['CustomerRegistered'],
  });
  // Assignment is to registered agents of the request's department; they work in both, as transfers move requests.
  const agentStep = (id: string): Step => ({
    key: `setup-agent-${id}`,
    method: 'POST',
    path: '/agents',
    body: { id, name: `Agent ${id}`, departmentIds: ['it', 'front-desk'], tier: 'L1' },
    as: manager,
    streamId: agentStream(id),
    expectedTypes: ['AgentRegistered'],
  });
  return [
    department('it', 'IT'),
    department('front-desk', 'Front desk'),
    standard('it', 'internal'),
    standard('front-desk', 'external'),
    ...[0, 1, 2].flatMap((n) => [agentStep(`it-agent-${n}`), agentStep(`desk-agent-${n}`)]),
    customer('anna', { type: 'internal', kind: 'employee', departmentId: 'front-desk', customerFacing: true }),
    customer('carl', { type: 'internal', kind: 'contractor', departmentId: 'it' }),
    customer('bob', { type: 'external', kind: 'individual' }),
    customer('gov', { type: 'external', kind: 'government' }),
  ];
};

const INTERNAL_REQUESTERS = ['anna', 'carl'];
const EXTERNAL_REQUESTERS = ['bob', 'gov'];
/** A requester says how urgent a request is; the desk judges its impact (REQUESTER_PRIORITY=urgency, the default). */
const URGENCIES = ['high', 'medium', 'low'];

/**
 * Request lifecycles of a desk, scripted from a seed, that clients work through concurrently:
 * internal IT requests that block external front-desk requests opened before them, external requests
 * with compensations, withdrawn requests. Every step is a valid command when the steps before it are
 * in the log, so any answer but a 2xx is a defect; every step carries its own Idempotency-Key, so a
 * step whose answer was lost to a crash is simply sent again after the restart.
 */
export class LifecycleWorkload {
  readonly outcomes = new Map<string, { step: Step; outcome: Outcome }>();
  /** What the desk is going through (named in refusals): set by the suite. */
  phase = 'start';
  private readonly scripts: Script[] = [];
  private created = 0;
  /** External requests that stay open or get resolved (never cancelled)… */
  private readonly linkable = new Set<string>();
  /** …whose opening is acknowledged: what internal work may be linked to. */
  private readonly linkableEffects: string[] = [];

  constructor(
    private readonly random: Random,
    private readonly prefix: string,
  ) {}

  organisation(): Step[] {
    return ORGANISATION_STEPS();
  }

  /** Sends the steps one after another, stopping at the first that is not acknowledged. */
  async runSteps(http: Http, steps: Step[]): Promise<boolean> {
    for (const step of steps) if ((await this.send(http, step)) !== 'acknowledged') return false;
    return true;
  }

  /**
   * `clients` concurrent clients, each working one script at a time, until `stop()` says so or a
   * client meets a dead process. Scripts a crash interrupted are finished first, their lost step sent again.
   */
  async run(http: Http, clients: number, stop: () => boolean): Promise<void> {
    const interrupted = this.scripts.filter((script) => script.next < script.steps.length);
    const worker = async () => {
      for (;;) {
        if (stop()) return;
        const script = interrupted.shift() ?? this.newScript();
        while (script.next < script.steps.length) {
          const outcome = await this.send(http, script.steps[script.next]);
          if (outcome === 'unknown') return;
          // A refused step ends its script (what follows would be refused too); the suite reports the refusal.
          script.next = outcome === 'refused' ? script.steps.length : script.next + 1;
          if (stop()) return;
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, worker));
  }

  /** Every step a client has sent, by its key. */
  sent(): Map<string, Step> {
    return new Map([...this.outcomes].map(([key, { step }]) => [key, step]));
  }

  /** Steps whose answer never came and which were not sent again since. */
  unresolved(): Step[] {
    return [...this.outcomes.values()].filter(({ outcome }) => outcome.kind === 'unknown').map(({ step }) => step);
  }

  acknowledged(): { step: Step; answer: Acknowledgement }[] {
    return [...this.outcomes.values()].flatMap(({ step, outcome }) =>
      outcome.kind === 'acknowledged' ? [{ step, answer: outcome.answer }] : [],
    );
  }

  refusals(): string[] {
    return [...this.outcomes.values()].flatMap(({ step, outcome }) =>
      outcome.kind === 'refused'
        ? [`${outcome.phase}: ${step.method} ${step.path} ${JSON.stringify(step.body)} → ${outcome.status} ${outcome.body}`]
        : [],
    );
  }

  /** Sends one step, or sends again one whose answer was lost. */
  async send(http: Http, step: Step): Promise<Outcome['kind']> {
    const earlier = this.outcomes.get(step.key)?.outcome;
    if (earlier?.kind === 'acknowledged') return 'acknowledged';
    let answer: { status: number; body: unknown };
    try {
      answer = await http.send(step);
    } catch (error) {
      this.outcomes.set(step.key, { step, outcome: { kind: 'unknown', error: (error as Error).message } });
      return 'unknown';
    }
    if (answer.status >= 200 && answer.status < 300) {
      // A 2xx answer to a command is its acknowledgement (the API's contract; the audits check it against the log).
      const { revision, position } = answer.body as Acknowledgement;
      this.outcomes.set(step.key, { step, outcome: { kind: 'acknowledged', answer: { revision, position } } });
      if (step.path === '/requests' && this.linkable.has(String(step.body.id))) this.linkableEffects.push(String(step.body.id));
      return 'acknowledged';
    }
    this.outcomes.set(step.key, {
      step,
      outcome: { kind: 'refused', status: answer.status, body: JSON.stringify(answer.body), phase: this.phase },
    });
    return 'refused';
  }

  private newScript(): Script {
    const n = this.created++;
    const roll = this.random();
    const requestId = `${this.prefix}-${n}`;
    const steps = roll < 0.15 ? this.withdrawn(requestId) : roll < 0.55 ? this.external(requestId) : this.internal(requestId);
    const script = { requestId, steps, next: 0 };
    this.scripts.push(script);
    return script;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private step(requestId: string, action: string, body: Record<string, unknown>, as: Step['as'], expectedTypes: string[]): Step {
    return {
      key: `${requestId}-${action}`,
      method: 'POST',
      path: action === 'open' ? '/requests' : `/requests/${requestId}/${action}`,
      body,
      as,
      streamId: action === 'impacts' ? 'impact-graph' : `request-${requestId}`,
      expectedTypes,
    };
  }

  private opening(requestId: string, requesterId: string, departmentId: string): Step {
    return this.step(
      requestId,
      'open',
      { id: requestId, requesterId, departmentId, subject: `Request ${requestId}`, urgency: this.pick(URGENCIES) },
      { sub: requesterId, role: 'requester' },
      ['RequestOpened'],
    );
  }

  private worked(requestId: string, agent: Step['as']): Step[] {
    return [
      this.step(requestId, 'assign', { agentId: agent.sub }, agent, ['RequestAssigned']),
      this.step(requestId, 'start', {}, agent, ['RequestWorkStarted']),
      // The first public agent reply is the first response: two events in one append.
      this.step(requestId, 'comments', { body: 'Looking into it', visibility: 'public' }, agent, ['CommentAdded', 'FirstResponseGiven']),
    ];
  }

  private finished(requestId: string, requesterId: string, agent: Step['as']): Step[] {
    const steps = [this.step(requestId, 'resolve', { resolution: 'Fixed' }, agent, ['RequestResolved'])];
    if (this.random() < 0.7) {
      // Scores 1 and 2 make the follow-up process open a request of its own.
      const score = 1 + Math.floor(this.random() * 5);
      steps.push(
        this.step(requestId, 'satisfaction', { score, comment: `scored ${score}` }, { sub: requesterId, role: 'requester' }, [
          'SatisfactionRated',
        ]),
      );
    }
    if (this.random() < 0.6) steps.push(this.step(requestId, 'close', {}, agent, ['RequestClosed']));
    return steps;
  }

  private internal(requestId: string): Step[] {
    const requesterId = this.pick(INTERNAL_REQUESTERS);
    const agent = agentCalled(`it-agent-${Math.floor(this.random() * 3)}`);
    const steps = [this.opening(requestId, requesterId, 'it')];
    if (this.linkableEffects.length > 0) {
      // Internal work blocks external requests opened before it: links point back in time, so never close a cycle.
      const effect = this.pick(this.linkableEffects);
      steps.push(
        this.step(requestId, 'impacts', { effectRequestId: effect, relation: this.pick(['blocks', 'degrades']) }, agent, ['ImpactLinked']),
      );
    }
    steps.push(...this.worked(requestId, agent));
    if (this.random() < 0.4) {
      steps.push(
        this.step(requestId, 'hold', { reason: 'awaiting_requester', note: 'which floor?' }, agent, ['RequestPutOnHold']),
        this.step(requestId, 'resume', {}, agent, ['RequestResumed']),
      );
    }
    steps.push(this.step(requestId, 'comments', { body: 'internal note', visibility: 'internal' }, agent, ['CommentAdded']));
    return [...steps, ...this.finished(requestId, requesterId, agent)];
  }

  private external(requestId: string): Step[] {
    const requesterId = this.pick(EXTERNAL_REQUESTERS);
    const agent = agentCalled(`desk-agent-${Math.floor(this.random() * 3)}`);
    this.linkable.add(requestId);
    const steps = [this.opening(requestId, requesterId, 'front-desk'), ...this.worked(requestId, agent)];
    if (this.random() < 0.3) {
      steps.push(
        this.step(requestId, 'compensation', { kind: 'credit', amount: 25, currency: 'EUR', note: 'for the wait' }, agent, [
          'CompensationOffered',
        ]),
      );
    }
    return [...steps, ...this.finished(requestId, requesterId, agent)];
  }

  private withdrawn(requestId: string): Step[] {
    const requesterId = this.pick([...INTERNAL_REQUESTERS, ...EXTERNAL_REQUESTERS]);
    return [
      this.opening(requestId, requesterId, INTERNAL_REQUESTERS.includes(requesterId) ? 'it' : 'front-desk'),
      this.step(requestId, 'cancel', { reason: 'no longer needed' }, { sub: requesterId, role: 'requester' }, ['RequestCancelled']),
    ];
  }
}

/** Sends steps to an API at `url` with tokens signed by `secret`; a lost connection rejects. Answers are held to the API's own document. */
export function httpClient(url: string, secret: string): Http {
  // Read once it can be (a lost connection rejects this send like any other).
  let contract: OpenApiContract | undefined;
  return {
    async send(step) {
      contract ??= await contractAt(url);
      const response = await fetch(`${url}${step.path}`, {
        method: step.method,
        headers: {
          authorization: bearer(secret, step.as),
          'content-type': 'application/json',
          'idempotency-key': step.key,
          'x-correlation-id': step.key,
        },
        body: JSON.stringify(step.body),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await checked(contract, step.method, step.path, response);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text for the failure message
      }
      return { status: response.status, body };
    },
  };
}
