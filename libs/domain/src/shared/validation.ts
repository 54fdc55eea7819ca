import { InvalidCommandError } from './errors';
import { ID_PATTERN, LEVELS, PRIORITIES } from './vocabulary';

/**
 * What a text is for, which decides the characters it may hold (see displaySpoofing): a name tells one agent,
 * customer or department from another in lists and choices, so two names must not look alike and differ; prose
 * (subjects, descriptions, comments, reasons) is read, and keeps what scripts and emoji need.
 */
export type TextForm = 'name' | 'prose';

export interface TextLimits {
  /** Of the trimmed text: 0 lets it be blank. */
  min: number;
  max: number;
  /** Prose when absent. */
  form?: TextForm;
}

/** The limits of every free text the commands carry: the deciders check them, and the HTTP bodies declare them from here. */
export const TEXT_LIMITS = {
  name: { min: 1, max: 200, form: 'name' },
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
  text(field: string, value: unknown, limits: TextLimits): void {
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
    } else {
      const spoofing = displaySpoofing(value, limits.form ?? 'prose');
      if (spoofing) this.add(field, `must not contain ${spoofing}`);
    }
  }

  optionalText(field: string, value: unknown, limits: TextLimits): void {
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
   * Either a priority, or impact and urgency (both) to derive it from; absent and null are the same. With
   * `urgencyAlone` (a request being opened), urgency without impact is a choice too: its impact is not judged yet.
   * True when the choice is valid.
   */
  priorityChoice(data: { priority?: unknown; impact?: unknown; urgency?: unknown }, options: { urgencyAlone?: boolean } = {}): boolean {
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
      this.add(
        'priority',
        options.urgencyAlone
          ? 'is required (or give urgency, and impact when known, to derive it)'
          : 'is required (or give impact and urgency to derive it)',
      );
      return false;
    }
    if (given(impact)) this.oneOf('impact', impact, LEVELS);
    else if (!options.urgencyAlone) this.add('impact', 'is required with urgency');
    if (!given(urgency)) this.add('urgency', 'is required with impact');
    else this.oneOf('urgency', urgency, LEVELS);
    return (given(impact) ? isOneOf(impact, LEVELS) : options.urgencyAlone === true) && isOneOf(urgency, LEVELS);
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

const codePoint = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Embeddings, overrides and isolates: they reorder what they enclose and, left open, the rest of the line it is shown in. */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
/** C1 controls: no text means them; U+0085 ends a line for some readers only, U+009B starts a terminal's escape sequence. */
const C1_CONTROL = /[\u0080-\u009f]/u;
// eslint-disable-next-line no-control-regex -- control characters are exactly what a name must not hold
const C0_CONTROL = /[\u0000-\u001f\u007f]/u;
const LINE_SEPARATOR = /[\u2028\u2029]/u;
/** Characters that show nothing: zero-width space, marks of direction, word joiner, byte-order mark (joiners apart). */
const INVISIBLE = /[\u200b\u200e\u200f\u2060\ufeff\u061c]/u;
/** The scripts whose shaping ZWNJ and ZWJ change: Persian's half-space, Indic conjuncts. */
const JOINING_LETTER = `[${['Arabic', 'Syriac', 'Nko', 'Mongolian', 'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala'].map((script) => `\\p{Script=${script}}`).join('')}]`;
/** Joiners that join: ZWJ within an emoji sequence (👩‍💻), ZWNJ and ZWJ between letters of a joining script. */
const JOINER_THAT_JOINS = new RegExp(
  `(?<=[\\p{Extended_Pictographic}\\p{Emoji_Modifier}\\ufe0f])\\u200d(?=\\p{Extended_Pictographic})|(?<=${JOINING_LETTER})[\\u200c\\u200d](?=${JOINING_LETTER})`,
  'gu',
);
const JOINER = /[\u200c\u200d]/u;

/**
 * The first character that would make `value` display other than it reads, described for a refusal, or undefined.
 * Every text refuses bidirectional embeddings, overrides and isolates (the "Trojan Source" reordering; marks of
 * direction, which reorder nothing, stay allowed in prose) and C1 controls. A name also refuses other control
 * characters, line and paragraph separators (a name is one line), and every invisible character except joiners
 * that join: with them two names that look alike would be two names. Prose keeps the zero-width characters
 * (emoji sequences, Persian and Indic scripts, Thai word breaks need them) and U+2028/U+2029 (the line breaks
 * word processors paste): they hide nothing but themselves.
 */
export function displaySpoofing(value: string, form: TextForm): string | undefined {
  const found = (pattern: RegExp, what: string, text = value) => {
    const character = pattern.exec(text)?.[0];
    return character === undefined ? undefined : `${codePoint(character)}, ${what}`;
  };
  const everywhere =
    found(BIDI_CONTROL, 'a bidirectional control that makes text display in another order than it is stored') ??
    found(C1_CONTROL, 'a C1 control character, which no text means');
  if (everywhere !== undefined || form === 'prose') return everywhere;
  const lookalike = 'with which two names that look alike would differ';
  return (
    found(C0_CONTROL, 'a control character (a name is one line of visible text)') ??
    found(LINE_SEPARATOR, 'a line or paragraph separator (a name is one line of visible text)') ??
    found(INVISIBLE, `an invisible character, ${lookalike}`) ??
    found(JOINER, `a joiner that joins nothing here, ${lookalike}`, value.replace(JOINER_THAT_JOINS, ''))
  );
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
