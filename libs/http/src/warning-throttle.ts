/**
 * At most one warning line per condition per interval, the next one saying how many were held back. An outage or
 * a burst is answered with thousands of 503s a second; a line for each buried everything else in the log (and
 * cost the loop what the desk was short of), while /metrics counts every one of them anyway.
 */
export class WarningThrottle {
  private readonly conditions = new Map<string, { since: number; heldBack: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /**
   * Whether to write this condition's line now and, when so, how many of its lines were held back since the last
   * one. `condition` must come from a small fixed set (a problem's title and kind, not its detail), so that what is
   * remembered stays bounded.
   */
  admit(condition: string): { heldBack: number } | null {
    const now = this.now();
    const seen = this.conditions.get(condition);
    if (seen && now - seen.since < this.intervalMs) {
      seen.heldBack++;
      return null;
    }
    this.conditions.set(condition, { since: now, heldBack: 0 });
    return { heldBack: seen?.heldBack ?? 0 };
  }
}
