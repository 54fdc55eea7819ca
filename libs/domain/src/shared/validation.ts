import { InvalidCommandError } from './errors';
import { ID_PATTERN } from './vocabulary';

/**
 * Collects what is wrong with a command's fields, so one error reports every
 * offending field at once instead of making the client fix them one by one.
 */
export class FieldProblems {
  private readonly problems: Record<string, string> = {};

  add(field: string, message: string): void {
    // The first problem found for a field is the most basic one (missing before too long).
    if (!(field in this.problems)) this.problems[field] = message;
  }

  get isEmpty(): boolean {
    return Object.keys(this.problems).length === 0;
  }

  get fields(): Record<string, string> {
    return { ...this.problems };
  }

  /** Throws an InvalidCommandError naming the command and every field, when anything was found. */
  throwIfAny(commandType: string): void {
    if (this.isEmpty) return;
    const detail = Object.entries(this.problems)
      .map(([field, message]) => `${field} ${message}`)
      .join('; ');
    throw new InvalidCommandError(`invalid ${commandType}: ${detail}`, this.fields);
  }

  id(field: string, value: unknown): void {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
      this.add(field, 'must be 1–128 letters, digits, or . _ : - (starting with a letter or digit)');
    }
  }

  /** Text whose trimmed length lies within [min, max]; min 0 allows an empty string. */
  text(field: string, value: unknown, limits: { min: number; max: number }): void {
    if (typeof value !== 'string') {
      this.add(field, 'must be a string');
      return;
    }
    const length = value.trim().length;
    if (length < limits.min) {
      this.add(field, limits.min === 1 ? 'must not be empty' : `must have at least ${limits.min} characters`);
    } else if (value.length > limits.max) {
      this.add(field, `must have at most ${limits.max} characters`);
    } else if (value.includes('\u0000')) {
      // No text means it, and PostgreSQL's jsonb cannot store it: the event store there would fail (a 500).
      this.add(field, 'must not contain the NUL character (U+0000)');
    }
  }

  optionalText(field: string, value: unknown, limits: { min: number; max: number }): void {
    if (value !== undefined && value !== null) this.text(field, value, limits);
  }

  oneOf(field: string, value: unknown, allowed: readonly string[]): void {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.add(field, `must be one of ${allowed.join(', ')}`);
    }
  }
}

export function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** Optional text as stored in events: absent and blank both become null. */
export function textOrNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}
