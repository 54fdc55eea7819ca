/** A progress line on stderr: redrawn in place on a terminal, a line every tenth of the way otherwise (logs, CI). */
export class ProgressBar {
  private lastTenth = -1;
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number, detail = ''): void {
    const share = total === 0 ? 1 : Math.min(1, done / total);
    if (this.stream.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw < 80 && done < total) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(share * width);
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}% ${done}/${total} ${detail}`,
      );
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth === this.lastTenth) return;
    this.lastTenth = tenth;
    this.stream.write(`${this.label} ${tenth * 10}% ${done}/${total} ${detail}\n`);
  }

  done(summary: string): void {
    this.stream.write(`${this.stream.isTTY ? '\r\x1b[K' : ''}${this.label}: ${summary}\n`);
  }
}
