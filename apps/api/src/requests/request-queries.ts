import { Inject, Injectable } from '@nestjs/common';
import { evolveRequest, initialRequestState, linksOf, requestStream, type Actor, type RequestState } from '@desk/domain';
import type { EventStore, RecordedEvent } from '@desk/event-store';
import { AggregateRepository, impactAggregate, requestAggregate } from '@desk/application';
import { NotFoundProblem } from '@desk/http';
import { EVENT_STORE } from '../config/tokens';

interface CommentView {
  commentId: string;
  authorId: string;
  authorRole: string;
  body: string;
  visibility: string;
  at: string;
}

interface CompensationView {
  compensationId: string;
  kind: string;
  amount: number;
  currency: string;
  note: string | null;
  offeredBy: string;
  at: string;
}

/**
 * Reads of one request straight from its stream: the state as the decider
 * folds it, plus what the state does not keep (comment and compensation
 * texts), at the latest revision or as of a business time.
 */
@Injectable()
export class RequestQueries {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AggregateRepository) private readonly repository: AggregateRepository,
  ) {}

  async request(id: string, actor: Actor, asOf?: Date) {
    const events = await this.visibleEvents(id, actor, asOf);
    let state: RequestState = initialRequestState;
    const comments: CommentView[] = [];
    const compensations: CompensationView[] = [];
    for (const recorded of events) {
      const event = requestAggregate.decode(recorded);
      state = evolveRequest(state, event);
      const at = String(recorded.metadata.occurredAt);
      if (event.type === 'CommentAdded') {
        const { requestId: _, ...data } = event.data;
        if (data.visibility === 'public' || actor.role !== 'requester') comments.push({ ...data, at });
      } else if (event.type === 'CompensationOffered') {
        const { requestId: _, ...data } = event.data;
        compensations.push({ ...data, at });
      }
    }
    const last = events[events.length - 1];
    const graph = asOf ? undefined : (await this.repository.load(impactAggregate, id)).state;
    return {
      ...(state as Exclude<RequestState, { status: 'absent' }>),
      comments,
      compensations,
      // Links as they stand now; with asOf they are left out rather than shown wrongly.
      impacts: graph ? linksOf(graph, id) : null,
      revision: String(last.revision),
      position: String(last.position),
      asOf: asOf?.toISOString() ?? null,
    };
  }

  async history(id: string, actor: Actor, asOf?: Date) {
    const events = await this.visibleEvents(id, actor, asOf);
    return {
      id,
      events: events
        .filter((event) => actor.role !== 'requester' || event.type !== 'CommentAdded' || event.data.visibility === 'public')
        .map((event) => ({
          revision: String(event.revision),
          position: String(event.position),
          type: event.type,
          data: event.data,
          occurredAt: event.metadata.occurredAt,
          recordedAt: event.recordedAt.toISOString(),
          actor: event.metadata.actor,
          correlationId: event.metadata.correlationId,
          causationId: event.metadata.causationId,
          schemaVersion: event.metadata.schemaVersion,
        })),
    };
  }

  /** The request's events up to asOf; a requester sees only their own requests (others look absent). */
  private async visibleEvents(id: string, actor: Actor, asOf?: Date): Promise<RecordedEvent[]> {
    const all = await this.store.readStream(requestStream(id));
    if (all.length === 0) throw new NotFoundProblem(`no request ${id}`);
    if (actor.role === 'requester' && all[0].data.requesterId !== actor.id) throw new NotFoundProblem(`no request ${id}`);
    const events = asOf ? all.filter((event) => Date.parse(String(event.metadata.occurredAt)) <= asOf.getTime()) : all;
    if (events.length === 0) throw new NotFoundProblem(`request ${id} did not exist yet at ${asOf?.toISOString()}`);
    return events;
  }
}
