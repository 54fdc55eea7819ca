import {
  DomainError,
  TIERS,
  type HoldReason,
  type OpenedRequest,
  type Priority,
  type RequestCommand,
  type RequestState,
  type Tier,
} from '@desk/domain';
import type { Planning, Step } from '../commands/command-handler';
import type { MilestoneTime, TargetStatus } from './import-mapping';

/** One row of the source log, mapped: the state of a case after a change. */
export interface CaseRow {
  /** Line in the file (1 = the header), for the report and for resuming. */
  line: number;
  /** The case id as the source writes it, and the request's id folded from it. */
  caseId: string;
  requestId: string;
  at: Date;
  target: TargetStatus;
  departmentId: string;
  tier?: Tier;
  agentId?: string;
  priority: Priority;
  requesterId: string;
  category?: string;
  subject: string;
  /** The source's own text of each field the row sets, for the report of what it could not apply. */
  source: Partial<Record<ChangeField, string>>;
  /** The case's opened, resolved, closed times the row carries (null: the value is not a time in the column's format). */
  times?: Partial<Record<MilestoneTime, Date | null>>;
  /** The time of the case's previous row: a milestone time at or before it belongs to an earlier row. */
  after?: Date;
  /** What the row says of its requester that their registration (as an earlier row said) does not hold. */
  unregistered?: UnappliedChange[];
}

export interface RejectedRow {
  line: number;
  caseId: string;
  reason: string;
}

/** What a row says about its case that the desk can hold of a request. */
export type ChangeField = 'status' | 'team' | 'agent' | 'priority' | 'tier' | 'requester' | 'category' | MilestoneTime;

/** A row imported, one of whose values the request does not hold afterwards: the field, the source's value and why. */
export interface UnappliedChange extends RejectedRow {
  field: ChangeField;
  value: string;
}

/** What the mapping asks of rows the lifecycle would not take as they are. */
export interface CasePolicy {
  /** A team change on a row after resolution reopens the request, transfers it and resolves it again. */
  transferAfterResolution: boolean;
  /** A row after Closed: refused, or the request is reopened at the row's time. */
  afterClosed: 'reject' | 'reopen';
  /** Who an assignment goes to when the log names nobody and nobody holds the request (unassignedAgentId). */
  unassignedAgentId: string;
}

export interface CasePlan {
  /** Rows whose commands were decided. */
  accepted: number;
  rejected: RejectedRow[];
  /** Rows that changed nothing the desk tracks (repeated snapshots). */
  unchanged: number;
  /** Values of accepted or unchanged rows the request does not hold after them. */
  notApplied: UnappliedChange[];
}

const MAX_STEPS = 12;

const BY_IMPORT = 'as recorded in the imported log';

class RowRefused extends Error {}

/** Ends a trial decision: the command would have been accepted. */
class TrialAccepted extends Error {}

/**
 * Derives the commands of one case from its rows, in time order: each row is
 * compared with the request as the earlier rows left it, and the commands
 * that bring it there (open, transfer, escalate, re-prioritise, assign,
 * start, hold, resume, resolve, reopen, close, cancel) are decided through
 * the write path's planning at the row's time. A row the lifecycle cannot
 * reach is rejected whole, with the reason, and the case goes on from the
 * state before it.
 */
export async function planCase(
  requestId: string,
  rows: readonly CaseRow[],
  planning: Planning<RequestState, RequestCommand>,
  stepOf: (row: CaseRow, command: RequestCommand) => Step<RequestCommand>,
  policy: CasePolicy,
): Promise<CasePlan> {
  const plan: CasePlan = { accepted: 0, rejected: [], unchanged: 0, notApplied: [] };
  for (const row of rows) {
    try {
      const clock = milestoneClock(row);
      const decided = await planning.tentatively(async () => {
        let events = 0;
        for (let step = 0; ; step++) {
          const command = nextCommand(requestId, planning.state, row, policy);
          if (!command) break;
          if (step >= MAX_STEPS) throw new RowRefused(`the row needs more than ${MAX_STEPS} steps to reach ${describe(row.target)}`);
          const appended = (await planning.decide({ ...stepOf(row, command), now: clock.timeOf(command) })).length;
          if (appended === 0) break;
          events += appended;
        }
        return events;
      });
      plan.notApplied.push(...clock.unused(), ...(row.unregistered ?? []));
      if (decided === 0) plan.unchanged++;
      else plan.accepted++;
      plan.notApplied.push(...(await unapplied(row, planning, stepOf)));
    } catch (error) {
      if (error instanceof RowRefused || error instanceof DomainError) {
        plan.rejected.push({ line: row.line, caseId: row.caseId, reason: error.message });
        continue;
      }
      throw error;
    }
  }
  return plan;
}

function nextCommand(requestId: string, state: RequestState, row: CaseRow, policy: CasePolicy): RequestCommand | null {
  if (state.status === 'absent') {
    return {
      type: 'OpenRequest',
      data: {
        requestId,
        requesterId: row.requesterId,
        departmentId: row.departmentId,
        subject: row.subject,
        description: '',
        priority: row.priority,
        channel: 'import',
        ...(row.category ? { category: row.category } : {}),
      },
    };
  }
  const target = row.target;
  if (state.status === 'closed' || state.status === 'cancelled') {
    if (target.status === state.status) return null;
    // The source worked on the case again after closing it: a second cycle, from the row's time.
    if (state.status === 'closed' && policy.afterClosed === 'reopen') return reopen();
    throw new RowRefused(`request ${requestId} is ${state.status}: it cannot become ${describe(target)}`);
  }
  if (target.status === 'cancelled') {
    return state.status === 'resolved' ? reopen() : { type: 'CancelRequest', data: { reason: BY_IMPORT } };
  }
  const open = state.status !== 'resolved';
  const stays = target.status !== 'resolved' && target.status !== 'closed';
  if (row.departmentId !== state.departmentId && (stays || open || policy.transferAfterResolution)) {
    if (!open) return reopen();
    return { type: 'TransferRequest', data: { toDepartmentId: row.departmentId, reason: `moved to ${row.departmentId} ${BY_IMPORT}` } };
  }
  if (open && row.tier && TIERS.indexOf(row.tier) > TIERS.indexOf(state.tier)) {
    return { type: 'EscalateRequest', data: { reason: `to ${row.tier} ${BY_IMPORT}` } };
  }
  if (open && row.priority !== state.priority) {
    return { type: 'ChangePriority', data: { priority: row.priority, reason: BY_IMPORT } };
  }
  const agentId = row.agentId ?? state.assigneeId ?? policy.unassignedAgentId;
  const assign = (): RequestCommand => ({ type: 'AssignRequest', data: { agentId } });
  const otherAgent = row.agentId !== undefined && row.agentId !== state.assigneeId;
  switch (target.status) {
    case 'new':
      // Queued again in the same team: a resolved request is reopened; otherwise the lifecycle has no way back to new but a transfer.
      return state.status === 'resolved' ? reopen() : null;
    case 'assigned':
      if (state.status === 'on_hold') return { type: 'ResumeWork', data: {} };
      if (state.status === 'resolved') return reopen();
      return state.status === 'new' || otherAgent ? assign() : null;
    case 'in_progress':
      if (state.status === 'on_hold') return { type: 'ResumeWork', data: {} };
      if (state.status === 'resolved') return reopen();
      if (state.status === 'new' || otherAgent) return assign();
      return state.status === 'assigned' ? { type: 'StartWork', data: {} } : null;
    case 'on_hold':
      if (state.status === 'resolved') return reopen();
      if (state.status === 'new') return assign();
      // Handed to another agent while on hold: the hold is ended, the request assigned and held again at the same
      // instant, so the clock loses no minute and the assignment is kept.
      if (state.status === 'on_hold') return state.hold?.reason === target.reason && !otherAgent ? null : { type: 'ResumeWork', data: {} };
      return otherAgent ? assign() : hold(target.reason);
    case 'resolved':
    case 'closed':
      if (state.status === 'new') return assign();
      if (state.status === 'resolved') return target.status === 'closed' ? { type: 'CloseRequest', data: {} } : null;
      // Resolved by another agent than the one holding it: assigned to them first (a hold ended for it).
      if (otherAgent) return state.status === 'on_hold' ? { type: 'ResumeWork', data: {} } : assign();
      return { type: 'ResolveRequest', data: { resolution: BY_IMPORT } };
  }
}

const MILESTONE_OF: Partial<Record<RequestCommand['type'], MilestoneTime>> = {
  OpenRequest: 'opened',
  ResolveRequest: 'resolved',
  CloseRequest: 'closed',
};

/**
 * When each command of a row happens. A snapshot row is written some time after the change it records; the case's
 * own opened, resolved and closed times, where the source has them, are more exact. Such a time is used for the open,
 * the resolution or the close the row makes when it lies after the case's previous row and not after the row's own
 * time (else it belongs to another row, or is wrong). The steps that lead to a resolution or a close (an assignment
 * first) happen at its time too, so time never runs backwards within a case.
 */
function milestoneClock(row: CaseRow) {
  const given = row.times ?? {};
  // Exclusive of the previous row's time, inclusive of the times this row's own steps took.
  let lower = row.after?.getTime() ?? -Infinity;
  let inclusive = false;
  const usable = (milestone: MilestoneTime): Date | null => {
    const at = given[milestone];
    if (!at || at > row.at) return null;
    return at.getTime() > lower || (inclusive && at.getTime() === lower) ? at : null;
  };
  const made = new Set<MilestoneTime>();
  const used = new Set<MilestoneTime>();
  const ending = row.target.status === 'resolved' || row.target.status === 'closed';
  return {
    timeOf(command: RequestCommand): Date {
      const milestone = MILESTONE_OF[command.type];
      let at: Date | null;
      if (milestone) {
        at = usable(milestone);
        made.add(milestone);
        if (at) used.add(milestone);
      } else {
        const next = ending ? (['resolved', 'closed'] as const).find((m) => !made.has(m)) : undefined;
        at = next ? usable(next) : null;
      }
      const now = at ?? row.at;
      lower = now.getTime();
      inclusive = true;
      return now;
    },
    /** The milestones the row made whose source time could not be used. */
    unused(): UnappliedChange[] {
      return [...made]
        .filter((milestone) => !used.has(milestone) && given[milestone] !== undefined)
        .map((milestone) => ({
          line: row.line,
          caseId: row.caseId,
          field: milestone,
          value: row.source[milestone] ?? '',
          reason:
            given[milestone] === null
              ? "not a time in the column's format: the row's own time was used"
              : `not after the case's previous row${row.after ? ` (${row.after.toISOString()})` : ''} or after the row's own time (${row.at.toISOString()}): the row's time was used`,
        }));
    },
  };
}

function reopen(): RequestCommand {
  return { type: 'ReopenRequest', data: { reason: BY_IMPORT } };
}

function hold(reason: HoldReason): RequestCommand {
  return { type: 'PutOnHold', data: { reason } };
}

function describe(target: TargetStatus): string {
  return target.status === 'on_hold' ? `on hold (${target.reason})` : target.status;
}

/**
 * The row's values the request does not hold after it, each with why: the domain's own refusal of the command that
 * would apply it (decided on trial and taken back), or, where the desk has no such command or the importer chose not
 * to, the reason in words.
 */
async function unapplied(
  row: CaseRow,
  planning: Planning<RequestState, RequestCommand>,
  stepOf: (row: CaseRow, command: RequestCommand) => Step<RequestCommand>,
): Promise<UnappliedChange[]> {
  const state = planning.state as OpenedRequest;
  const changes: UnappliedChange[] = [];
  const note = (field: ChangeField, reason: string) =>
    changes.push({ line: row.line, caseId: row.caseId, field, value: row.source[field] ?? '', reason });
  /** Why the domain refuses command now; null when it would accept it. */
  const refusal = async (command: RequestCommand): Promise<string | null> => {
    try {
      await planning.tentatively(async () => {
        await planning.decide(stepOf(row, command));
        throw new TrialAccepted();
      });
      return null;
    } catch (error) {
      if (error instanceof TrialAccepted) return null;
      if (error instanceof DomainError) return error.message;
      throw error;
    }
  };
  const target = row.target;
  if (state.status !== target.status || (target.status === 'on_hold' && state.hold?.reason !== target.reason)) {
    note(
      'status',
      target.status === 'new'
        ? `the request stays ${state.status}: within a team the lifecycle leads back to new only by a transfer`
        : `the request stays ${state.status}`,
    );
  }
  if (row.departmentId !== state.departmentId) {
    const command: RequestCommand = { type: 'TransferRequest', data: { toDepartmentId: row.departmentId, reason: BY_IMPORT } };
    note(
      'team',
      (await refusal(command)) ??
        `the request is ${state.status} and a transfer would reopen it (the mapping's department.afterResolution: "transfer" does so)`,
    );
  }
  if (row.agentId !== undefined && row.agentId !== state.assigneeId) {
    note(
      'agent',
      (await refusal({ type: 'AssignRequest', data: { agentId: row.agentId } })) ??
        `the row says ${describe(target)}, and an assignment would make the request assigned (a status rule can map such rows to assigned)`,
    );
  }
  if (row.priority !== state.priority) {
    note(
      'priority',
      (await refusal({ type: 'ChangePriority', data: { priority: row.priority, reason: BY_IMPORT } })) ??
        `the request is ${state.status}: its priority was left as it was`,
    );
  }
  if (row.tier && row.tier !== state.tier) {
    note(
      'tier',
      TIERS.indexOf(row.tier) < TIERS.indexOf(state.tier)
        ? `the request is at ${state.tier}: a request's tier only rises, by escalation`
        : ((await refusal({ type: 'EscalateRequest', data: { reason: BY_IMPORT } })) ?? `the request stays at ${state.tier}`),
    );
  }
  if (row.requesterId !== state.requesterId) note('requester', `a request's requester is the one it was opened for (${state.requesterId})`);
  if (row.category !== undefined && row.category !== state.category) {
    note('category', `a request's category is the one it was opened with (${state.category ?? 'none'})`);
  }
  return changes;
}
