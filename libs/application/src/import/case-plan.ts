import { DomainError, TIERS, type HoldReason, type Priority, type RequestCommand, type RequestState, type Tier } from '@desk/domain';
import type { Planning, Step } from '../commands/command-handler';
import type { TargetStatus } from './import-mapping';

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
}

export interface RejectedRow {
  line: number;
  caseId: string;
  reason: string;
}

export interface CasePlan {
  /** Rows whose commands were decided. */
  accepted: number;
  rejected: RejectedRow[];
  /** Rows that changed nothing the desk tracks (repeated snapshots). */
  unchanged: number;
}

const MAX_STEPS = 12;

/** Who an assignment goes to when the log names nobody and nobody holds the request: the import registers this agent too. */
export const UNASSIGNED_AGENT = 'unassigned';
const BY_IMPORT = 'as recorded in the imported log';

class RowRefused extends Error {}

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
): Promise<CasePlan> {
  const plan: CasePlan = { accepted: 0, rejected: [], unchanged: 0 };
  for (const row of rows) {
    try {
      const decided = await planning.tentatively(async () => {
        let events = 0;
        for (let step = 0; ; step++) {
          const command = nextCommand(requestId, planning.state, row);
          if (!command) break;
          if (step >= MAX_STEPS) throw new RowRefused(`the row needs more than ${MAX_STEPS} steps to reach ${describe(row.target)}`);
          const appended = (await planning.decide(stepOf(row, command))).length;
          if (appended === 0) break;
          events += appended;
        }
        return events;
      });
      if (decided === 0) plan.unchanged++;
      else plan.accepted++;
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

function nextCommand(requestId: string, state: RequestState, row: CaseRow): RequestCommand | null {
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
    throw new RowRefused(`request ${requestId} is ${state.status}: it cannot become ${describe(target)}`);
  }
  if (target.status === 'cancelled') {
    return state.status === 'resolved' ? reopen() : { type: 'CancelRequest', data: { reason: BY_IMPORT } };
  }
  const open = state.status !== 'resolved';
  const stays = target.status !== 'resolved' && target.status !== 'closed';
  if (row.departmentId !== state.departmentId && (stays || open)) {
    if (!open) return reopen();
    return { type: 'TransferRequest', data: { toDepartmentId: row.departmentId, reason: `moved to ${row.departmentId} ${BY_IMPORT}` } };
  }
  if (open && row.tier && TIERS.indexOf(row.tier) > TIERS.indexOf(state.tier)) {
    return { type: 'EscalateRequest', data: { reason: `to ${row.tier} ${BY_IMPORT}` } };
  }
  if (open && row.priority !== state.priority) {
    return { type: 'ChangePriority', data: { priority: row.priority, reason: BY_IMPORT } };
  }
  const agentId = row.agentId ?? state.assigneeId ?? UNASSIGNED_AGENT;
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
      if (state.status === 'on_hold') return state.hold?.reason === target.reason ? null : { type: 'ResumeWork', data: {} };
      return hold(target.reason);
    case 'resolved':
    case 'closed':
      if (state.status === 'new') return assign();
      if (state.status === 'resolved') return target.status === 'closed' ? { type: 'CloseRequest', data: {} } : null;
      return { type: 'ResolveRequest', data: { resolution: BY_IMPORT } };
  }
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
