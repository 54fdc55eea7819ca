import type { LoggerService } from '@nestjs/common';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

/** Structured logging as the product uses it: a message and fields. */
export interface Log {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * One JSON object per line on stdout: level, time, service, message and
 * fields (correlationId among them wherever there is one). It is also Nest's
 * logger, so the framework's own lines come out the same way.
 */
export class JsonLog implements Log, LoggerService {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {}

  debug(msg: unknown, ...rest: unknown[]): void {
    this.emit('debug', msg, rest);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields === undefined ? [] : [fields]);
  }
  warn(msg: unknown, ...rest: unknown[]): void {
    this.emit('warn', msg, rest);
  }
  error(msg: unknown, ...rest: unknown[]): void {
    this.emit('error', msg, rest);
  }
  /** Nest's name for info. */
  log(msg: unknown, ...rest: unknown[]): void {
    this.emit('info', msg, rest);
  }
  verbose(msg: unknown, ...rest: unknown[]): void {
    this.emit('debug', msg, rest);
  }
  fatal(msg: unknown, ...rest: unknown[]): void {
    this.emit('error', msg, rest);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  private emit(level: LogLevel, msg: unknown, rest: unknown[]): void {
    if (!this.enabled(level)) return;
    const entry: LogFields = { level, time: new Date().toISOString(), service: this.service };
    // Nest passes (message, context) or (message, stack, context); the product passes (message, fields).
    const strings = rest.filter((extra): extra is string => typeof extra === 'string');
    if (strings.length === 1) entry.context = strings[0];
    if (strings.length >= 2) Object.assign(entry, { stack: strings[0], context: strings[strings.length - 1] });
    for (const extra of rest) if (extra && typeof extra === 'object') Object.assign(entry, extra);
    if (msg && typeof msg === 'object' && !(msg instanceof Error)) Object.assign(entry, msg);
    else entry.msg = msg instanceof Error ? msg.message : String(msg);
    if (msg instanceof Error && msg.stack) entry.stack = msg.stack;
    this.write(JSON.stringify(entry, (_key, value) => (typeof value === 'bigint' ? String(value) : value)) + '\n');
  }
}

/** A log that writes nothing: tests and tools that do not want lines. */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
