import { CACHE_LIMIT } from '@desk/application/commands/aggregate-repository';
import { round, say } from '../support/report';
import type { Random } from '../support/seeded-random';
import { plan, type Ack, type Case, type PoorRating } from './cases';
import { REQUESTERS } from '../support/desk-setup';
import { EXTERNAL_CUSTOMERS, INTERNAL_DEPARTMENTS, PRIORITIES, SET_UP_STREAMS } from './desk';
import { send, type Tally } from './http';
import { stepCall, type StepContext } from './steps';
import type { SoakTokens } from './tokens';

export interface CommandLoadOptions {
  url: string;
  seed: number;
  /** Commands a second. */
  rate: number;
  random: Random;
  pick: <T>(items: readonly T[]) => T;
  tokens: SoakTokens;
  commands: Tally;
  /** Seconds into the load. */
  clock: () => number;
}

/**
 * The command side of the load: request lifecycles, each request's commands one after the other and only where its
 * lifecycle allows them, and what every answer acknowledged (what the audits look for afterwards).
 */
export class CommandLoad {
  readonly acks: Ack[] = [];
  readonly cases: Case[] = [];
  /** Requests waiting for their next command. */
  readonly ready: Case[] = [];
  /** Requests held for a read-your-writes check before their next command (the query load releases them). */
  readonly held: Case[] = [];
  readonly activeExternal: Case[] = [];
  readonly linkedCauses: Case[] = [];
  readonly poorRatings: PoorRating[] = [];
  active = 0;
  inFlight = 0;
  readonly maxInFlight: number;
  /** When the load had touched CACHE_LIMIT streams: the API's aggregate cache full from then on. */
  cacheFullAtS: number | undefined;
  // Commands that failed may still have been applied (a timeout): what they touched is left out of the comparison.
  uncertainImpactCommands = 0;
  private readonly targetActive: number;
  private readonly stepContext: StepContext;
  private requestNumber = 0;

  constructor(private readonly options: CommandLoadOptions) {
    this.targetActive = options.rate * 5;
    this.maxInFlight = Math.max(100, options.rate * 5);
    const { random, pick, tokens } = options;
    this.stepContext = {
      random,
      pick,
      tokens,
      activeExternal: this.activeExternal,
      linkedCauses: this.linkedCauses,
      poorRatings: this.poorRatings,
    };
  }

  /** One slot of the pacing: the next command of some request; false when too many are in flight. */
  fire(): boolean {
    if (this.inFlight >= this.maxInFlight) return false;
    const { random } = this.options;
    for (;;) {
      let c: Case;
      if (this.active < this.targetActive || this.ready.length === 0) c = this.openCase();
      else {
        const index = Math.floor(random() * this.ready.length);
        c = this.ready[index];
        this.ready[index] = this.ready[this.ready.length - 1];
        this.ready.pop();
      }
      if (this.advance(c)) return true;
    }
  }

  private openCase(): Case {
    const { random, pick, seed } = this.options;
    const n = this.requestNumber++;
    const audience = random() < 0.3 ? 'external' : 'internal';
    const c: Case = {
      id: `soak-${seed}-${n}`,
      audience,
      requesterId: audience === 'external' ? `cust-${n % EXTERNAL_CUSTOMERS}` : `emp-${n % REQUESTERS}`,
      departmentId: audience === 'external' ? 'shop' : pick(INTERNAL_DEPARTMENTS),
      status: 'absent',
      priority: pick(PRIORITIES),
      assigneeId: null,
      steps: plan(random, audience),
      next: 0,
      effectId: null,
      rating: null,
      revision: null,
      position: null,
      uncertain: false,
    };
    this.cases.push(c);
    this.active++;
    if (this.cacheFullAtS === undefined && SET_UP_STREAMS + this.cases.length + this.poorRatings.length >= CACHE_LIMIT) {
      this.cacheFullAtS = this.options.clock();
      say(`soak: ${CACHE_LIMIT} streams loaded at ${round(this.cacheFullAtS)} s: the aggregate cache is full`);
    }
    return c;
  }

  private finished(c: Case): void {
    this.active--;
    if (c.audience === 'external') {
      const index = this.activeExternal.indexOf(c);
      if (index >= 0) this.activeExternal.splice(index, 1);
    }
  }

  /** Sends the case's next step (skipping those that do not apply now); false when it has none left. */
  private advance(c: Case): boolean {
    const { url, random, commands } = this.options;
    for (; c.next < c.steps.length; c.next++) {
      const kind = c.steps[c.next];
      const command = stepCall(c, kind, this.stepContext);
      if (!command) continue;
      this.inFlight++;
      const isImpact = kind === 'link' || kind === 'unlink';
      void send(
        commands,
        url,
        command.route,
        command.method ?? 'POST',
        command.path,
        command.token,
        command.body ?? (command.method ? undefined : {}),
        {
          'idempotency-key': `${c.id}-${c.next}`,
        },
      ).then((answer) => {
        this.inFlight--;
        if (!answer) {
          c.uncertain = true;
          if (isImpact) this.uncertainImpactCommands++;
          this.finished(c);
          return;
        }
        const { revision, position } = answer.body as { revision: string; position: string };
        this.acks.push({ kind, streamId: isImpact ? 'impact-graph' : `request-${c.id}`, revision, position });
        command.apply();
        if (!isImpact) c.revision = revision;
        c.position = position;
        c.next++;
        if (c.next >= c.steps.length) return this.finished(c);
        // Some requests are held for a read-your-writes check before their next command.
        if (this.held.length < 10 && random() < 0.1) this.held.push(c);
        else this.ready.push(c);
      });
      return true;
    }
    this.finished(c);
    return false;
  }
}
