import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { say } from '../support/report';

/** The API's log lines: counted by level and by message; warnings and errors shown and kept. */
export class ApiLog {
  readonly levels = new Map<string, number>();
  /** The first 20 lines above info. */
  readonly problems: string[] = [];
  /** Lines other than the one per request, by level and message. */
  readonly messages = new Map<string, number>();

  constructor(stdout: Readable) {
    createInterface({ input: stdout }).on('line', (line) => {
      let entry: { level?: string; msg?: string };
      try {
        entry = JSON.parse(line) as { level?: string; msg?: string };
      } catch {
        entry = { level: 'unparsed', msg: line };
      }
      const level = entry.level ?? 'none';
      this.levels.set(level, (this.levels.get(level) ?? 0) + 1);
      if (entry.msg !== 'request') this.messages.set(`${level}: ${entry.msg}`, (this.messages.get(`${level}: ${entry.msg}`) ?? 0) + 1);
      if (level !== 'info' && level !== 'debug') {
        if (this.problems.length < 20) this.problems.push(line.slice(0, 500));
        say(`API log: ${line.slice(0, 500)}`);
      }
    });
  }
}
