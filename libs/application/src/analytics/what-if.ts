import { NotFoundError, serviceStandardVersion, type BusinessCalendar, type SlaTarget } from '@desk/domain';
import { departmentAggregate, requestAggregate } from '../commands/aggregates';
import type { EventStore } from '@desk/event-store';
import type { ReadModelStore } from '@desk/read-models';
import { measureRequest, summarise, type OutcomesByAudience, type RequestMeasure, type TimedEvent } from './sla-what-if';

export interface WhatIfQuestion {
  departmentId: string;
  /** Requests opened in [from, to), by business time. */
  from: Date;
  to: Date;
  targets: SlaTarget[];
  calendar: BusinessCalendar | null;
}

export interface WhatIfAnswer {
  departmentId: string;
  from: string;
  to: string;
  /** Outcomes are measured as known at this time. */
  asOf: string;
  requests: number;
  /** Under the standard each request was measured against (its recorded version). */
  inForce: OutcomesByAudience;
  /** Under the standard asked about. */
  whatIf: OutcomesByAudience;
}

const MAX_REQUESTS = 100_000;

/**
 * What-if replay of SLA outcomes: the requests a department's standard
 * measured in a stretch of history, measured again from their events under
 * another standard, beside the standard that was in force. Reads only: the
 * live data and the recorded outcomes stay as they are.
 */
export async function slaWhatIf(store: EventStore, readModels: ReadModelStore, question: WhatIfQuestion, now: Date): Promise<WhatIfAnswer> {
  const { decider, decode, streamOf } = departmentAggregate;
  const recorded = await store.readStream(streamOf(question.departmentId));
  const department = recorded.map(decode).reduce(decider.evolve, decider.initialState);
  if (department.status === 'absent') throw new NotFoundError(`no department ${question.departmentId}`);
  // The department's own rules judge the standard asked about, as if it were published (nothing is).
  const decided = decider.decide(
    { type: 'PublishServiceStandard', data: { targets: question.targets, calendar: question.calendar } },
    department,
    { now, actor: { id: 'system:what-if', role: 'system' }, departments: new Map(), customers: new Map(), requests: new Map(), agents: new Map() },
  );
  const published = decided.find((event) => event.type === 'ServiceStandardPublished');
  if (published?.type !== 'ServiceStandardPublished') throw new Error('publishing a standard decided no ServiceStandardPublished');
  const alternative = published.data;

  const rows = await readModels.reader
    .selectFrom('request_summaries')
    .select('request_id')
    .where('sla_department_id', '=', question.departmentId)
    .where('opened_at', '>=', question.from.toISOString())
    .where('opened_at', '<', question.to.toISOString())
    .orderBy('request_id')
    .limit(MAX_REQUESTS)
    .execute();

  const inForce: RequestMeasure[] = [];
  const whatIf: RequestMeasure[] = [];
  for (const { request_id } of rows) {
    const history: TimedEvent[] = (await store.readStream(requestAggregate.streamOf(request_id))).map((event) => ({
      event: requestAggregate.decode(event),
      occurredAt: String(event.metadata.occurredAt),
    }));
    const opened = history[0]?.event;
    if (opened?.type !== 'RequestOpened' || !opened.data.sla) continue;
    const standard = serviceStandardVersion(department, opened.data.sla.standardVersion);
    const actual = standard ? measureRequest(history, standard, now) : null;
    const asked = measureRequest(history, alternative, now);
    if (actual && asked) {
      inForce.push(actual);
      whatIf.push(asked);
    }
  }
  return {
    departmentId: question.departmentId,
    from: question.from.toISOString(),
    to: question.to.toISOString(),
    asOf: now.toISOString(),
    requests: inForce.length,
    inForce: summarise(inForce),
    whatIf: summarise(whatIf),
  };
}
