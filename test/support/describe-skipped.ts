/**
 * A suite that cannot run here, skipped with the reason in its name; the
 * skipped-tests reporter prints it at the end of every run.
 */
export function describeSkipped(title: string, reason: string): void {
  describe.skip(`${title} — SKIPPED: ${reason}`, () => {
    it('runs where its server is reachable', () => undefined);
  });
}
