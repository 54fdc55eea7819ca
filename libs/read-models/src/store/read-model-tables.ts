/**
 * Every read-model table, for Kysely's typing. Times are ISO 8601 strings
 * (they sort as text), booleans are 0/1 integers and log positions decimal
 * strings (EventStoreDB's exceed a signed 64-bit integer), so one schema
 * serves SQLite and PostgreSQL alike.
 */
export interface ReadModelTables {
  projection_checkpoints: ProjectionCheckpointRow;
  departments: DepartmentRow;
  sla_calendars: SlaCalendarRow;
  request_summaries: RequestSummaryRow;
  request_versions: RequestVersionRow;
  request_tags: RequestTagRow;
  request_changes: RequestChangeRow;
  impact_nodes: ImpactNodeRow;
  impact_links: ImpactLinkRow;
  impact_node_versions: ImpactNodeVersionRow;
  impact_link_versions: ImpactLinkVersionRow;
  request_search: RequestSearchRow;
  request_search_fts: RequestSearchIndexRow;
  customers: CustomerRow;
  agents: AgentRow;
  agent_departments: AgentDepartmentRow;
  workload_facts: WorkloadFactRow;
  workload_requests: WorkloadRequestRow;
  workload_calendars: WorkloadCalendarRow;
}

export interface ProjectionCheckpointRow {
  name: string;
  version: number;
  /** Last log position applied (or skipped as irrelevant). */
  position: string;
  updated_at: string;
}

/** request-summaries: the departments, for workloads that list them all. */
export interface DepartmentRow {
  department_id: string;
  name: string;
  registered_at: string;
}

/** request-summaries: each published standard's calendar, to place SLA risk times and days in business time. */
export interface SlaCalendarRow {
  department_id: string;
  standard_version: number;
  /** JSON of the BusinessCalendar, or null when every minute counts. */
  calendar: string | null;
}

/** request-summaries: one row per request, serving queues and workloads. */
export interface RequestSummaryRow {
  request_id: string;
  /** Stream revision of the last event applied: a replayed event changes nothing. */
  revision: number;
  department_id: string;
  requester_id: string;
  audience: string;
  requester_kind: string;
  exposed_to_external: number;
  subject: string;
  category: string | null;
  channel: string;
  status: string;
  is_open: number;
  priority: string;
  priority_rank: number;
  tier: string;
  assignee_id: string | null;
  /** While on hold: why (HOLD_REASONS), the note staff wrote (staff only), and since when; null otherwise. */
  hold_reason: string | null;
  hold_note: string | null;
  held_at: string | null;
  /** Its tags as a JSON list, in the order they were added ('[]' without any); request_tags has one row per tag to filter by. */
  tags: string;
  opened_at: string;
  opened_day: string;
  sla_department_id: string | null;
  sla_standard_version: number | null;
  first_response_minutes: number | null;
  resolution_minutes: number | null;
  first_response_due_at: string | null;
  resolution_due_at: string | null;
  first_response_at_risk_at: string | null;
  resolution_at_risk_at: string | null;
  /** The SLA clock (the domain's sla-clock.ts): business minutes it stood still so far, and when it stopped (null while it runs). */
  paused_minutes: number;
  clock_stopped_since: string | null;
  /**
   * From when a breach of the target is there to be recorded (the domain's breachDueAt): its due time while it is
   * unmet and the clock runs, or once it was missed; null when there is nothing that can fall due. The SLA watch
   * records the breaches whose time is before now.
   */
  first_response_breach_due_at: string | null;
  resolution_breach_due_at: string | null;
  first_responded_at: string | null;
  first_response_within_target: number | null;
  first_response_elapsed_minutes: number | null;
  first_response_business_minutes: number | null;
  first_response_breached: number;
  resolution_breached: number;
  resolved_at: string | null;
  resolved_day: string | null;
  resolution_elapsed_minutes: number | null;
  resolution_business_minutes: number | null;
  resolution_within_target: number | null;
  closed_at: string | null;
  cancelled_at: string | null;
  /** The earliest due time of a target not yet met: what the queue sorts by. */
  next_due_at: string | null;
  satisfaction_score: number | null;
  satisfaction_comment: string | null;
  rated_at: string | null;
  follow_up_of: string | null;
  follow_up_request_id: string | null;
  reopen_count: number;
  transfer_count: number;
  last_event_at: string;
}

/**
 * request-summaries: the history of each summary in business time, one version per change: the summary as it stood
 * from `valid_from` (the business time of the change, as toISOString writes it) until `valid_to` (the next version's
 * valid_from; OPEN_END for the current one). As-of queries read the versions valid at their time.
 */
export interface RequestVersionRow extends RequestSummaryRow {
  valid_from: string;
  valid_to: string;
}

/**
 * request-summaries: one row per event that changed a summary's fields, in the same transaction as the summary: the
 * history GET /changes streams from. `position` is the event's log position zero-padded to 20 digits (text order is
 * number order); `seq` orders the summaries one event changed (a follow-up also changes the request it follows up).
 */
export interface RequestChangeRow {
  position: string;
  seq: number;
  request_id: string;
  /** The summary's revision after the change. */
  revision: number;
  /** The department after the change, and the one it left when the change moved it (else null). */
  department_id: string;
  previous_department_id: string | null;
  requester_id: string;
  /** The assignee after the change, and the one it left when the change moved it (else null). */
  assignee_id: string | null;
  previous_assignee_id: string | null;
  /** The status after the change. */
  status: string;
  event_type: string;
  /** Business time of the event. */
  occurred_at: string;
  /** JSON of the fields that changed, by their API names: { "status": { "from": "new", "to": "assigned" } }. */
  changes: string;
}

/** request-summaries: one row per tag of a request, to filter the request list by tag (index on tag). */
export interface RequestTagRow {
  request_id: string;
  tag: string;
}

/** impact-chain: what the graph needs to know of every request. */
export interface ImpactNodeRow {
  request_id: string;
  revision: number;
  department_id: string;
  requester_id: string;
  audience: string;
  exposed_to_external: number;
  subject: string;
  status: string;
  is_open: number;
  priority: string;
  priority_rank: number;
  resolution_due_at: string | null;
  /** Derived from what it transitively blocks (open links between open requests). */
  effective_priority: string;
  effective_rank: number;
  blocks_requests: number;
  blocks_external_requests: number;
  blocks_external_customers: number;
  blocks_exposed_requests: number;
  /** Earliest resolution due time of an external request downstream. */
  inherited_deadline: string | null;
}

export interface ImpactLinkRow {
  cause_id: string;
  effect_id: string;
  relation: string;
  linked_at: string;
}

/** directory: every registered customer, for pickers and for the names other read models show. */
export interface CustomerRow {
  customer_id: string;
  name: string;
  type: string;
  kind: string;
  /** Internal customers' department; null for external ones. */
  department_id: string | null;
  customer_facing: number;
  registered_at: string;
}

/** directory: every registered agent. */
export interface AgentRow {
  agent_id: string;
  name: string;
  tier: string;
  registered_at: string;
  updated_at: string;
  /** Stream revision of the last event applied: a replayed event changes nothing. */
  revision: number;
}

/** directory: the departments each agent works in, one row each. */
export interface AgentDepartmentRow {
  agent_id: string;
  department_id: string;
}

/** request-search: the text full-text search reads of each request, and what its filters need. */
export interface RequestSearchRow {
  request_id: string;
  /** The request's row in request_search_fts (its FTS5 rowid on SQLite). */
  doc_id: number;
  /** Stream revision of the last event applied: a replayed event changes nothing. */
  revision: number;
  requester_id: string;
  department_id: string;
  subject: string;
  description: string;
  /** The most recent public comments (as many whole ones as fit in COMMENTS_TEXT_LIMIT characters), oldest first. */
  public_comments: string;
  /** The same of the internal comments: staff only. */
  internal_comments: string;
}

/**
 * request-search: the full-text index, one row per request_search row. On SQLite an FTS5 table (rowid = doc_id, a
 * column per field, contentless: the text is in request_search); on PostgreSQL a weighted tsvector with a GIN index.
 * Written and read with raw SQL per store (the type names the key only).
 */
export interface RequestSearchIndexRow {
  doc_id: number;
}

/**
 * workload-facts: what happened to a request that the workload figures count, one row per fact, at the business time
 * it happened (`at`, the event's occurredAt as toISOString writes it) and on the local `day` of the request's SLA
 * calendar, with the department, audience and assignee the request had then. Summed per department, day, audience
 * and agent for a day range, and only up to a time (`at <= now`), so a figure reads the facts of its range and none
 * of the rest of history. `first_response` and `resolved` rows are also the samples of the time percentiles.
 */
export interface WorkloadFactRow {
  /** The event's log position, zero-padded as request_changes stores it, and the fact's place among that event's. */
  position: string;
  seq: number;
  at: string;
  day: string;
  kind: 'opened' | 'followed_up' | 'first_response' | 'resolved' | 'closed' | 'cancelled' | 'sla' | 'rating';
  department_id: string;
  audience: string;
  agent_id: string | null;
  /** The request the fact is about; for followed_up, the request followed up (the follow-up has its own opened fact). */
  request_id: string;
  /** 1 when the request is a follow-up of a poor rating. */
  follow_up: number;
  /** sla: which target, and whether it was met or breached. */
  target: string | null;
  outcome: string | null;
  /** first_response and resolved: business minutes (the SLA clock's, pauses excluded) and elapsed ones from opening. */
  business_minutes: number | null;
  elapsed_minutes: number | null;
  /** rating: the score, 1 to 5. */
  score: number | null;
}

/** workload-facts: each request's summary as the facts need it (a JSON RequestSummaryRow without its texts), to evolve it. */
export interface WorkloadRequestRow {
  request_id: string;
  summary: string;
}

/** workload-facts: the calendars of the departments' standards, for the local day of a fact. */
export interface WorkloadCalendarRow {
  department_id: string;
  standard_version: number;
  calendar: string | null;
}

/**
 * impact-chain: what the graph knew of a request itself (not what it transitively blocks: as-of queries compute that
 * from the versions valid at their time) from `valid_from` until `valid_to`, business times as toISOString writes
 * them; the current version ends at a far-future sentinel.
 */
export interface ImpactNodeVersionRow extends Pick<
  ImpactNodeRow,
  | 'request_id'
  | 'revision'
  | 'department_id'
  | 'requester_id'
  | 'audience'
  | 'exposed_to_external'
  | 'subject'
  | 'status'
  | 'is_open'
  | 'priority'
  | 'priority_rank'
  | 'resolution_due_at'
> {
  valid_from: string;
  valid_to: string;
}

/** impact-chain: a link as it stood from `valid_from` until `valid_to` (made, relation changed, removed: a link may hold several times). */
export interface ImpactLinkVersionRow extends ImpactLinkRow {
  valid_from: string;
  valid_to: string;
}
