/**
 * How an answer is written: a table or a short summary for a person at a
 * terminal, JSON for a script (stdout piped, or --json); --table forces the
 * table when piped (into less, say). Colours only on a terminal, and never
 * with NO_COLOR set.
 */
export class Output {
  readonly json: boolean;
  private readonly colours: boolean;

  constructor(
    choice: { json?: boolean; table?: boolean },
    private readonly stdout: NodeJS.WriteStream = process.stdout,
  ) {
    this.json = choice.json === true || (choice.table !== true && !stdout.isTTY);
    this.colours = stdout.isTTY === true && !process.env.NO_COLOR;
  }

  /** One JSON document (a single answer). */
  document(value: unknown): void {
    this.stdout.write(JSON.stringify(value) + '\n');
  }

  /** One line of NDJSON (a list read page after page, streamed). */
  line(value: unknown): void {
    this.stdout.write(JSON.stringify(value) + '\n');
  }

  text(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  table(header: string[], rows: (string | number | null)[][]): void {
    this.text(renderTable(header, rows, this.colours));
  }

  bold(text: string): string {
    return this.colours ? `\x1b[1m${text}\x1b[22m` : text;
  }

  dim(text: string): string {
    return this.colours ? `\x1b[2m${text}\x1b[22m` : text;
  }

  /** Red for what is late or broken, yellow for what is at risk, green for what is fine. */
  state(text: string): string {
    if (!this.colours) return text;
    const colour = /breached|faulted|critical|blocked|failed/.test(text)
      ? 31
      : /at_risk|catching_up|rebuilding|high|on_hold/.test(text)
        ? 33
        : /^(ok|running|met|resolved|closed)$/.test(text)
          ? 32
          : 0;
    return colour ? `\x1b[${colour}m${text}\x1b[39m` : text;
  }
}

// The escape character is what a colour code starts with: it is matched on purpose, to measure the visible text.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ANSI, '').length;

export function renderTable(header: string[], rows: (string | number | null)[][], colours = false): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell))));
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => visibleLength(row[i] ?? ''))));
  const isNumber = (text: string) => /^-?[\d.,]+%?$/.test(text);
  const numeric = header.map(
    (_, i) => cells.some((row) => isNumber(row[i] ?? '')) && cells.every((row) => isNumber(row[i] ?? '') || row[i] === '-'),
  );
  const pad = (text: string, i: number) => {
    const gap = ' '.repeat(Math.max(0, widths[i] - visibleLength(text)));
    return numeric[i] ? gap + text : text + gap;
  };
  const title = header
    .map((text, i) => pad(text, i))
    .join('  ')
    .trimEnd();
  return [
    colours ? `\x1b[1m${title}\x1b[22m` : title,
    ...cells.map((row) =>
      row
        .map((cell, i) => pad(cell, i))
        .join('  ')
        .trimEnd(),
    ),
  ].join('\n');
}

const BARS = '▁▂▃▄▅▆▇█';

/** Figures per day as a one-line chart: the highest day is a full bar, nothing is a space. */
export function sparkline(values: number[]): string {
  const top = Math.max(0, ...values);
  return values
    .map((value) => (value === 0 || top === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.ceil((value / top) * BARS.length) - 1)]))
    .join('');
}

/** A time as a person reads it in a table: to the minute, UTC. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : '-';
}

export function percent(share: number | null): string {
  return share === null ? '-' : `${Math.round(share * 100)}%`;
}
