import { InvalidCommandError } from './errors';
import { ID_PATTERN, LEVELS, PRIORITIES } from './vocabulary';

export interface TextLimits {
  /** Of the trimmed text: 0 lets it be blank. */
  min: number;
  max: number;
}

/** The limits of every free text the commands carry: the deciders check them, and the HTTP bodies declare them from here. */
export const TEXT_LIMITS = {
  name: { min: 1, max: 200 },
  subject: { min: 1, max: 200 },
  description: { min: 0, max: 10000 },
  category: { min: 0, max: 100 },
  /** Why a request is transferred, escalated or re-prioritised. */
  reason: { min: 1, max: 2000 },
  /** Why it is cancelled or reopened, which needs no saying. */
  optionalReason: { min: 0, max: 2000 },
  note: { min: 0, max: 2000 },
  resolution: { min: 1, max: 10000 },
  commentBody: { min: 1, max: 10000 },
  ratingComment: { min: 0, max: 2000 },
} as const satisfies Record<string, TextLimits>;

export const SATISFACTION_SCORES = { min: 1, max: 5 } as const;

/** Compensation amounts: in the currency's units, with cents at most. */
export const COMPENSATION_AMOUNT = { max: 1_000_000_000, decimals: 2 } as const;

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** Tags: lower-case slugs (words of letters and digits joined by single hyphens), 40 characters at most, 20 per request. */
export const TAG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const TAG_LIMITS = { maxLength: 40, perRequest: 20 } as const;
export const TAG_FORMAT = `must be a lower-case slug of at most ${TAG_LIMITS.maxLength} characters: letters a-z and digits, words joined by single hyphens`;

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

  tag(field: string, value: unknown): void {
    if (typeof value !== 'string' || value.length > TAG_LIMITS.maxLength || !TAG_PATTERN.test(value)) this.add(field, TAG_FORMAT);
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
    } else if (!isWellFormedUnicode(value)) {
      // JSON's \ud800 escapes decode to a lone surrogate: PostgreSQL's jsonb refuses it (a 500, or a poison event for
      // the projections), SQLite stores U+FFFD instead. No store keeps it as sent, so none is given it.
      this.add(field, 'must be well-formed Unicode (it holds a lone UTF-16 surrogate, U+D800–U+DFFF)');
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

  /** A whole number within [min, max]; `of` names what is counted (minutes). */
  integer(field: string, value: unknown, limits: { min: number; max: number }, of?: string): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < limits.min || value > limits.max) {
      this.add(field, `must be a whole number${of ? ` of ${of}` : ''} from ${limits.min} to ${limits.max}`);
    }
  }

  /** A finite number from 0 to max, with at most `decimals` digits after the point. */
  amount(field: string, value: unknown, limits: { max: number; decimals: number }): void {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > limits.max) {
      this.add(field, `must be a number from 0 to ${limits.max}`);
    } else if (!hasAtMostDecimals(value, limits.decimals)) {
      this.add(field, `must have at most ${limits.decimals} decimals`);
    }
  }

  boolean(field: string, value: unknown): void {
    if (typeof value !== 'boolean') this.add(field, 'must be true or false');
  }

  currency(field: string, value: unknown): void {
    if (typeof value !== 'string' || !CURRENCY_PATTERN.test(value)) {
      this.add(field, 'must be an ISO 4217 code of 3 capital letters, such as EUR');
    }
  }

  /**
   * Either a priority, or impact and urgency (both) to derive it from; absent and null are the same.
   * True when the choice is valid.
   */
  priorityChoice(data: { priority?: unknown; impact?: unknown; urgency?: unknown }): boolean {
    const given = (value: unknown) => value !== undefined && value !== null;
    const { priority, impact, urgency } = data;
    if (given(priority) && (given(impact) || given(urgency))) {
      this.add('priority', 'give either a priority, or impact and urgency to derive it, not both');
      return false;
    }
    if (given(priority)) {
      this.oneOf('priority', priority, PRIORITIES);
      return isOneOf(priority, PRIORITIES);
    }
    if (!given(impact) && !given(urgency)) {
      this.add('priority', 'is required (or give impact and urgency to derive it)');
      return false;
    }
    if (!given(impact)) this.add('impact', 'is required with urgency');
    else this.oneOf('impact', impact, LEVELS);
    if (!given(urgency)) this.add('urgency', 'is required with impact');
    else this.oneOf('urgency', urgency, LEVELS);
    return isOneOf(impact, LEVELS) && isOneOf(urgency, LEVELS);
  }

  /** A hold names the request that blocks it exactly when that is its reason; `requestId` is the one put on hold. */
  holdBlocking(reason: unknown, blockingRequestId: unknown, requestId?: string): void {
    const hasBlocking = blockingRequestId !== undefined && blockingRequestId !== null;
    if (reason === 'blocked_by_request') {
      if (!hasBlocking) this.add('blockingRequestId', 'is required when the reason is blocked_by_request');
      else if (blockingRequestId === requestId) this.add('blockingRequestId', 'must name another request: a request cannot block itself');
      else this.id('blockingRequestId', blockingRequestId);
    } else if (hasBlocking) {
      this.add('blockingRequestId', 'is only given when the reason is blocked_by_request');
    }
  }
}

/** True unless the string holds a UTF-16 surrogate that is not half of a pair (what String#isWellFormed tells, in ES2024). */
export function isWellFormedUnicode(value: string): boolean {
  return !/\p{Surrogate}/u.test(value);
}

/** Digits after the point in the number as JSON writes it (1e-7 has seven). */
function hasAtMostDecimals(value: number, decimals: number): boolean {
  const [mantissa, exponent = '0'] = String(value).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return fraction - Number(exponent) <= decimals;
}

export function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** Optional text as stored in events: absent and blank both become null. */
export function textOrNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}
