import { targetState, type TargetState } from '@desk/domain';
import type { RequestSummaryRow } from '../store/read-model-tables';

export type { TargetState } from '@desk/domain';
export type SlaState = 'ok' | 'at_risk' | 'breached';

export interface TargetView {
  dueAt: string;
  atRiskAt: string | null;
  state: TargetState;
}

export interface SlaView {
  state: SlaState;
  firstResponse: TargetView | null;
  resolution: TargetView | null;
  /** Set while the clock is stopped (on hold awaiting the requester, or resolved). */
  clockPausedSince: string | null;
}

const SEVERITY: Record<TargetState, number> = { met: 0, ok: 0, at_risk: 1, breached: 2 };

/** The columns an SLA view reads: queries select these, not the whole row. */
export const SLA_COLUMNS = [
  'clock_stopped_since',
  'first_responded_at',
  'first_response_at_risk_at',
  'first_response_breached',
  'first_response_due_at',
  'first_response_within_target',
  'resolution_at_risk_at',
  'resolution_breached',
  'resolution_due_at',
  'resolution_within_target',
  'resolved_at',
] as const satisfies readonly (keyof RequestSummaryRow)[];

/**
 * The SLA of a request at `now`, as the domain's clock judges each target
 * (sla-clock.ts: at risk past 75% of its time, breached past its due time or
 * once a breach is recorded, met when reached in time; a stopped clock reads
 * the moment it stopped).
 */
export function slaView(row: Pick<RequestSummaryRow, (typeof SLA_COLUMNS)[number]>, now: Date): SlaView {
  const clock = { clockStoppedSince: row.clock_stopped_since };
  const target = (
    dueAt: string | null,
    atRiskAt: string | null,
    reachedAt: string | null,
    withinTarget: number | null,
    breached: number,
  ): TargetView | null => {
    const state = targetState(
      { dueAt, atRiskAt, reachedAt, withinTarget: withinTarget === null ? null : withinTarget === 1, breachRecorded: breached === 1 },
      clock,
      now,
    );
    return dueAt === null || state === null ? null : { dueAt, atRiskAt, state };
  };
  const firstResponse = target(
    row.first_response_due_at,
    row.first_response_at_risk_at,
    row.first_responded_at,
    row.first_response_within_target,
    row.first_response_breached,
  );
  const resolution = target(
    row.resolution_due_at,
    row.resolution_at_risk_at,
    row.resolved_at,
    row.resolution_within_target,
    row.resolution_breached,
  );
  const worst = [firstResponse, resolution].reduce<TargetState>(
    (acc, view) => (view && SEVERITY[view.state] > SEVERITY[acc] ? view.state : acc),
    'ok',
  );
  return { state: worst === 'met' ? 'ok' : worst, firstResponse, resolution, clockPausedSince: row.clock_stopped_since };
}
