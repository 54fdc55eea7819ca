import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { ROOT } from '../history/generate-history';

/** One figure of SPEC §8 beside the reference it is judged against, measured in the same run. */
export interface BenchFigure {
  workload: string;
  figure: number;
  unit: string;
  reference?: { what: string; figure: number; unit: string };
  /** figure / reference, when they are comparable. */
  ratio?: number;
  target: string;
  met: boolean;
  notes?: string[];
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, Node.js ${process.version}`;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round = (value: number, digits = 0) => Number(value.toFixed(digits));

/** Progress and findings on stderr; the figures go to the report. */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function printFigures(figures: BenchFigure[]): void {
  for (const f of figures) {
    const ref = f.reference ? ` | ${f.reference.what}: ${f.reference.figure} ${f.reference.unit}` : '';
    const ratio = f.ratio !== undefined ? ` | ratio ${(f.ratio * 100).toFixed(0)}%` : '';
    process.stdout.write(`${f.met ? 'MET ' : 'MISS'} ${f.workload}: ${f.figure} ${f.unit}${ref}${ratio} | target ${f.target}\n`);
    for (const note of f.notes ?? []) process.stdout.write(`     ${note}\n`);
  }
}

/** The commit the figures were measured on. */
export function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** The hand-written analysis of a report `file` between its markers, kept when `script` writes the figures again. */
export function keptAnalysis(file: string, script: string): string {
  const start = `<!-- analysis: kept by ${script} -->`;
  const end = '<!-- end of analysis -->';
  if (!existsSync(file)) return `${start}\n## Analysis\n\n(to be written)\n${end}\n`;
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from >= 0 && to > from ? `${text.slice(from, to + end.length)}\n` : `${start}\n## Analysis\n\n${end}\n`;
}
