/** What the read models said that differs from what was sent: all counted, the first 20 kept for the report. */
export class Disagreements {
  readonly first: string[] = [];
  count = 0;

  add(text: string): void {
    this.count++;
    if (this.first.length < 20) this.first.push(text);
  }
}
