/**
 * The one error taxonomy of the domain. The API maps each kind to an HTTP
 * status in exactly one place (apps/api/src/http/problem-details.filter.ts).
 */
export abstract class DomainError extends Error {
  abstract readonly kind: 'invalid' | 'not_found' | 'refused' | 'forbidden';
  constructor(
    message: string,
    /** Field name → what is wrong with it, for invalid input. */
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command's content is invalid whatever the state (400). */
export class InvalidCommandError extends DomainError {
  readonly kind = 'invalid' as const;
}

/** Something the command names does not exist (404). */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
}

/** The command is refused in the current state: transition not allowed, cycle, duplicate (409). */
export class CommandRefusedError extends DomainError {
  readonly kind = 'refused' as const;
}

/** The actor may not do this to this resource (403). */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
}
