import type { Random } from '../support/seeded-random';
import type { Case } from './cases';
import type { CommandLoad } from './command-load';
import { AGENTS, DEPARTMENTS, INTERNAL_DEPARTMENTS, OPEN, type QueuePage } from './desk';
import type { Disagreements } from './disagreements';
import { send, type Tally } from './http';
import type { SoakTokens } from './tokens';

export interface QueryLoadOptions {
  url: string;
  /** Queries a second. */
  rate: number;
  random: Random;
  pick: <T>(items: readonly T[]) => T;
  tokens: SoakTokens;
  queries: Tally;
  /** The requests the commands work, and those held for a read-your-writes check. */
  load: CommandLoad;
  disagreements: Disagreements;
}

/** The query side of the load: queues, workloads, impact chains and blockers, and read-your-writes checks. */
export class QueryLoad {
  inFlight = 0;
  readonly maxInFlight: number;
  /** Read-your-writes checks that could not tell: the request may be on a later page. */
  inconclusive = 0;

  constructor(private readonly options: QueryLoadOptions) {
    this.maxInFlight = Math.max(50, options.rate * 5);
  }

  /**
   * One slot of the pacing. The mix: agents watching queues and requests most, managers' workloads now and then (1 in
   * 20: a workload computes its figures over the department's last 30 days, which at this rate is the whole history).
   */
  fire(): boolean {
    if (this.inFlight >= this.maxInFlight) return false;
    const { url, random, pick, tokens, queries, load } = this.options;
    const { held, ready, linkedCauses } = load;
    const dice = random();
    let work: Promise<unknown>;
    const c = this.someCase();
    if (dice < 0.3 && held.length > 0) {
      const h = held.shift()!;
      work = this.checkHeld(h).finally(() => ready.push(h));
    } else if (dice < 0.6 || !c || c.status === 'absent') {
      const filter = pick([
        '',
        '&status=new',
        '&status=in_progress,on_hold',
        `&assigneeId=agent-${Math.floor(random() * AGENTS)}`,
        '&audience=external',
        '&assigneeId=none',
      ]);
      const department = pick(DEPARTMENTS);
      work = send(queries, url, '/queues/:departmentId', 'GET', `/queues/${department}?limit=50${filter}`, tokens.agent(null));
    } else if (dice < 0.7) {
      work = send(queries, url, '/requests/:id', 'GET', `/requests/${c.id}`, tokens.agent(null));
    } else if (dice < 0.74) {
      work = send(queries, url, '/departments/:id/workload', 'GET', `/departments/${pick(DEPARTMENTS)}/workload`, tokens.manager);
    } else if (dice < 0.75) {
      work = send(queries, url, '/workloads', 'GET', '/workloads', tokens.manager);
    } else if (dice < 0.9) {
      const linked = linkedCauses.length > 0 && random() < 0.7 ? pick(linkedCauses) : c;
      work = send(
        queries,
        url,
        '/impact/requests/:id',
        'GET',
        `/impact/requests/${linked.id}?minPosition=${linked.position}`,
        tokens.agent(null),
      );
    } else {
      const department = random() < 0.5 ? '' : `?departmentId=${pick(INTERNAL_DEPARTMENTS)}`;
      work = send(queries, url, '/impact/blockers', 'GET', `/impact/blockers${department}`, tokens.agent(null));
    }
    this.inFlight++;
    void work.finally(() => this.inFlight--);
    return true;
  }

  /** Read-your-writes on a request whose last command just answered: its queue at that position, or its stream. */
  private async checkHeld(c: Case): Promise<void> {
    const { url, random, tokens, queries, disagreements } = this.options;
    if (random() < 0.6) {
      const assignee = c.assigneeId ?? 'none';
      const answer = await send(
        queries,
        url,
        '/queues/:departmentId (minPosition)',
        'GET',
        `/queues/${c.departmentId}?assigneeId=${assignee}&limit=200&minPosition=${c.position}`,
        tokens.agent(null),
      );
      if (answer) {
        const page = answer.body as QueuePage;
        const item = page.items.find((i) => i.requestId === c.id);
        const open = OPEN.includes(c.status);
        if (open && !item) {
          if (page.nextCursor) this.inconclusive++;
          else
            disagreements.add(
              `read-your-writes: ${c.id} (${c.status}, ${assignee}) missing from queue ${c.departmentId} at position ${c.position}`,
            );
        } else if (!open && item)
          disagreements.add(`read-your-writes: ${c.id} is ${c.status} but still in queue ${c.departmentId} as ${item.status}`);
        else if (item && (item.status !== c.status || item.priority !== c.priority)) {
          disagreements.add(
            `read-your-writes: ${c.id} is ${c.status}/${c.priority}, its queue at ${c.position} says ${item.status}/${item.priority}`,
          );
        }
      }
    } else {
      const answer = await send(queries, url, '/requests/:id', 'GET', `/requests/${c.id}`, tokens.agent(null));
      if (answer) {
        const view = answer.body as { status: string; revision: string; priority: string };
        if (view.revision !== c.revision || view.status !== c.status || view.priority !== c.priority) {
          disagreements.add(
            `GET /requests/${c.id}: ${view.status}/${view.priority} at revision ${view.revision}, sent ${c.status}/${c.priority} up to revision ${c.revision}`,
          );
        }
      }
    }
  }

  private someCase(): Case | undefined {
    const { cases } = this.options.load;
    return cases.length > 0 ? cases[Math.floor(this.options.random() * cases.length)] : undefined;
  }
}
