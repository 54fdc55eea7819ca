import { matchesChange, type ChangeCursor, type ChangeFilter, type RequestChangeRow } from '@desk/read-models';

export interface ChangeSubscriber {
  /** What the subscriber follows: read once, when it subscribes (a stream's filter never changes). */
  readonly filter: ChangeFilter;
  /**
   * Called synchronously, in log order, for every change the feed reads while subscribed that `filter` lets through,
   * and for none other. `at` is the change's cursor, one object shared by every subscriber and never changed: a
   * subscriber may keep it as its own.
   */
  deliver(row: RequestChangeRow, at: ChangeCursor): void;
}

/** A subscriber, its filter as it subscribed, and where it sits in the index (to leave it). */
interface Route {
  readonly subscriber: ChangeSubscriber;
  readonly filter: ChangeFilter;
  readonly places: { index: Buckets; key: string }[];
  /** The last change (by the routes' own count) it was offered: a row naming its bucket twice offers it once. */
  offered: number;
}

type Buckets = Map<string, Set<Route>>;

/**
 * The live subscribers of the change feed, indexed by the one condition of their filter that narrows most, so that a
 * change is offered only to those that may want it, at a cost that does not grow with those that cannot (a thousand
 * consoles of other teams cost a department's change a few map look-ups, not a thousand filter tests).
 *
 * Every condition of a ChangeFilter must hold (matchesChange), so one of them is enough to find every subscriber that
 * may want a row: by request, else by requester, else by assignee (the row's assignee, or the one it left), else by
 * each of its departments (the row's department, or the one it left); a filter with none of these wants everything.
 * A candidate then goes through matchesChange itself, so what a subscriber gets is exactly what its filter lets through.
 */
export class ChangeRoutes {
  private readonly routes = new Map<ChangeSubscriber, Route>();
  private readonly byRequest: Buckets = new Map();
  private readonly byRequester: Buckets = new Map();
  private readonly byAssignee: Buckets = new Map();
  private readonly byDepartment: Buckets = new Map();
  private readonly everyone = new Set<Route>();
  private offers = 0;

  get size(): number {
    return this.routes.size;
  }

  add(subscriber: ChangeSubscriber): void {
    if (this.routes.has(subscriber)) return;
    const filter = subscriber.filter;
    const route: Route = { subscriber, filter, places: [], offered: this.offers };
    if (filter.requestId !== undefined) join(route, this.byRequest, filter.requestId);
    else if (filter.requesterId !== undefined) join(route, this.byRequester, filter.requesterId);
    else if (filter.assigneeId !== undefined) join(route, this.byAssignee, filter.assigneeId);
    // An empty list of departments lets nothing through: the route then sits in no bucket, and is offered nothing.
    else if (filter.departmentIds !== undefined) for (const department of filter.departmentIds) join(route, this.byDepartment, department);
    else this.everyone.add(route);
    this.routes.set(subscriber, route);
  }

  delete(subscriber: ChangeSubscriber): void {
    const route = this.routes.get(subscriber);
    if (!route) return;
    this.routes.delete(subscriber);
    this.everyone.delete(route);
    for (const { index, key } of route.places) {
      const bucket = index.get(key);
      bucket?.delete(route);
      // Keys come from clients' filters: a bucket goes with its last subscriber.
      if (bucket?.size === 0) index.delete(key);
    }
  }

  clear(): void {
    this.routes.clear();
    this.byRequest.clear();
    this.byRequester.clear();
    this.byAssignee.clear();
    this.byDepartment.clear();
    this.everyone.clear();
  }

  /**
   * Hands `row` to every subscriber whose filter lets it through, each once. A subscriber may leave (or others may)
   * while it is handed the row: one that left before its turn is not offered it.
   */
  deliver(row: RequestChangeRow, at: ChangeCursor): void {
    const offer = ++this.offers;
    this.offer(this.byRequest.get(row.request_id), offer, row, at);
    this.offer(this.byRequester.get(row.requester_id), offer, row, at);
    if (row.assignee_id !== null) this.offer(this.byAssignee.get(row.assignee_id), offer, row, at);
    if (row.previous_assignee_id !== null) this.offer(this.byAssignee.get(row.previous_assignee_id), offer, row, at);
    this.offer(this.byDepartment.get(row.department_id), offer, row, at);
    if (row.previous_department_id !== null) this.offer(this.byDepartment.get(row.previous_department_id), offer, row, at);
    this.offer(this.everyone, offer, row, at);
  }

  private offer(bucket: Set<Route> | undefined, offer: number, row: RequestChangeRow, at: ChangeCursor): void {
    if (bucket === undefined) return;
    for (const route of bucket) {
      if (route.offered === offer) continue;
      route.offered = offer;
      if (matchesChange(row, route.filter)) route.subscriber.deliver(row, at);
    }
  }
}

function join(route: Route, index: Buckets, key: string): void {
  let bucket = index.get(key);
  if (!bucket) index.set(key, (bucket = new Set()));
  bucket.add(route);
  route.places.push({ index, key });
}
