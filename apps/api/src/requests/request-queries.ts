import { Inject, Injectable } from '@nestjs/common';
import {
  evolveRequest,
  initialRequestState,
  linksOf,
  OPEN_STATUSES,
  requestStream,
  type Actor,
  type ImpactLinkView,
  type OpenedRequest,
  type RequestState,
} from '@desk/domain';
import type { EventStore, RecordedEvent } from '@desk/event-store';
import { AggregateRepository, impactAggregate, requestAggregate } from '@desk/application';
import { NotFoundProblem } from '@desk/http';
import {
  requesterEventView,
  requesterRequestView,
  type CommentWithTime,
  type CompensationWithTime,
  type RequesterEventView,
  type RequesterHistory,
  type RequesterImpactsView,
  type RequesterRequestView,
} from '@desk/read-models';
import { EVENT_STORE } from '../config/tokens';

/** A request as staff see it: the state, its comments and compensations, its links, its revision (the ETag). */
export type RequestView = OpenedRequest & {
  comments: CommentWithTime[];
  compensations: CompensationWithTime[];
  impacts: { causes: ImpactLinkView[]; effects: ImpactLinkView[] } | null;
  revision: string;
  position: string;
  asOf: string | null;
};

/** One event of a request's history as staff see it. */
export interface HistoryEventView {
  revision: string;
  position: string;
  type: string;
  data: Record<string, unknown>;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  correlationId: string;
  causationId: string;
  schemaVersion: number;
}

export interface RequestHistory {
  id: string;
  events: HistoryEventView[];
}

/**
 * Reads of one request straight from its stream: the state as the decider
 * folds it, plus what the state does not keep (comment and compensation
 * texts), at the latest revision or as of a business time. Staff see it all;
 * a requester sees their own request through the requester view
 * (@desk/read-models requester-view.ts), and someone else's as absent.
 */
@Injectable()
export class RequestQueries {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AggregateRepository) private readonly repository: AggregateRepository,
  ) {}

  async request(id: string, actor: Actor, asOf?: Date): Promise<RequestView | RequesterRequestView> {
    const events = await this.visibleEvents(id, actor, asOf);
    let state: RequestState = initialRequestState;
    const comments: CommentWithTime[] = [];
    const compensations: CompensationWithTime[] = [];
    let cancelledBy: string | null = null;
    for (const recorded of events) {
      const event = requestAggregate.decode(recorded);
      state = evolveRequest(state, event);
      const at = String(recorded.metadata.occurredAt);
      if (event.type === 'CommentAdded') {
        const { requestId: _, ...data } = event.data;
        comments.push({ ...data, at });
      } else if (event.type === 'CompensationOffered') {
        const { requestId: _, ...data } = event.data;
        compensations.push({ ...data, at });
      } else if (event.type === 'RequestCancelled') {
        cancelledBy = String(recorded.metadata.actor);
      }
    }
    const request = state as OpenedRequest;
    const graph = asOf ? undefined : (await this.repository.load(impactAggregate, id)).state;
    if (actor.role === 'requester') {
      const impacts = graph ? await this.causesHolding(linksOf(graph, id).causes) : null;
      return requesterRequestView(request, { comments, compensations, cancelledBy, impacts, asOf: asOf?.toISOString() ?? null });
    }
    const last = events[events.length - 1];
    return {
      ...request,
      comments,
      compensations,
      // Links as they stand now; with asOf they are left out rather than shown wrongly.
      impacts: graph ? linksOf(graph, id) : null,
      revision: String(last.revision),
      position: String(last.position),
      asOf: asOf?.toISOString() ?? null,
    };
  }

  async history(id: string, actor: Actor, asOf?: Date): Promise<RequestHistory | RequesterHistory> {
    const events = await this.visibleEvents(id, actor, asOf);
    if (actor.role === 'requester') {
      const requesterId = String(events[0].data.requesterId);
      const shown: RequesterEventView[] = [];
      for (const recorded of events) {
        const view = requesterEventView(
          requestAggregate.decode(recorded),
          { actor: String(recorded.metadata.actor), occurredAt: String(recorded.metadata.occurredAt) },
          requesterId,
        );
        if (view) shown.push(view);
      }
      return { id, events: shown };
    }
    return {
      id,
      events: events.map((event) => ({
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

  /** What holds a request up, for its requester: the open requests that block or degrade it, counted, without ids. */
  private async causesHolding(causes: readonly { requestId: string; relation: string }[]): Promise<RequesterImpactsView> {
    const counts: RequesterImpactsView = { blockedBy: 0, degradedBy: 0 };
    for (const cause of causes) {
      const { state } = await this.repository.load(requestAggregate, cause.requestId);
      if (state.status === 'absent' || !OPEN_STATUSES.includes(state.status)) continue;
      if (cause.relation === 'blocks') counts.blockedBy++;
      else counts.degradedBy++;
    }
    return counts;
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
