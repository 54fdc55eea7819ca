import type { RequestSummaryRow } from '../store/read-model-tables';
import { slaView } from './sla-state';

const row = (overrides: Partial<RequestSummaryRow>): RequestSummaryRow =>
  ({
    first_response_due_at: '2026-03-02T10:00:00.000Z',
    first_response_at_risk_at: '2026-03-02T09:45:00.000Z',
    first_responded_at: null,
    first_response_within_target: null,
    first_response_breached: 0,
    resolution_due_at: '2026-03-02T17:00:00.000Z',
    resolution_at_risk_at: '2026-03-02T15:00:00.000Z',
    resolved_at: null,
    resolution_within_target: null,
    resolution_breached: 0,
    clock_stopped_since: null,
    ...overrides,
  }) as RequestSummaryRow;

const at = (time: string) => new Date(`2026-03-02T${time}:00.000Z`);

describe('slaView', () => {
  it.each([
    ['09:00', 'ok', 'ok'],
    ['09:45', 'at_risk', 'ok'],
    ['10:00', 'at_risk', 'ok'],
    ['10:01', 'breached', 'ok'],
  ])('at %s the first response is %s and the resolution %s', (time, firstResponse, resolution) => {
    const view = slaView(row({}), at(time));
    expect([view.firstResponse!.state, view.resolution!.state, view.state]).toEqual([firstResponse, resolution, firstResponse]);
  });

  it('counts a target reached in time as met, and the request as ok', () => {
    const view = slaView(row({ first_responded_at: '2026-03-02T09:20:00.000Z', first_response_within_target: 1 }), at('12:00'));
    expect([view.firstResponse!.state, view.state]).toEqual(['met', 'ok']);
  });

  it('counts a late first response as breached for good', () => {
    const view = slaView(row({ first_responded_at: '2026-03-02T10:30:00.000Z', first_response_within_target: 0 }), at('12:00'));
    expect([view.firstResponse!.state, view.state]).toEqual(['breached', 'breached']);
  });

  it('believes a recorded breach even before the due time the row holds', () => {
    expect(
      slaView(row({ resolution_breached: 1, first_responded_at: '2026-03-02T09:10:00.000Z', first_response_within_target: 1 }), at('11:00'))
        .state,
    ).toBe('breached');
  });

  it('freezes while the clock is stopped: the reading is the moment it stopped', () => {
    const view = slaView(
      row({
        first_responded_at: '2026-03-02T09:10:00.000Z',
        first_response_within_target: 1,
        clock_stopped_since: '2026-03-02T14:00:00.000Z',
      }),
      at('23:00'),
    );
    expect([view.resolution!.state, view.clockPausedSince]).toEqual(['ok', '2026-03-02T14:00:00.000Z']);
  });

  it('has no target where the standard has none', () => {
    const view = slaView(row({ first_response_due_at: null, resolution_due_at: null }), at('23:00'));
    expect(view).toEqual({ state: 'ok', firstResponse: null, resolution: null, clockPausedSince: null });
  });
});
