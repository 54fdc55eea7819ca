import type { StreamRevision } from '@desk/event-store';

/**
 * Errors of the application layer: what goes wrong around a decision rather
 * than in it (the domain's own kinds are in @desk/domain's DomainError). They
 * carry no HTTP status: the HTTP edge maps each kind to one, in one place.
 */
export abstract class ApplicationError extends Error {
  abstract readonly kind: 'idempotency_conflict' | 'concurrency_conflict' | 'precondition_failed' | 'read_model_not_of_this_log' | 'shed';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An Idempotency-Key already recorded for another command (another fingerprint). */
export class IdempotencyKeyReusedError extends ApplicationError {
  readonly kind = 'idempotency_conflict' as const;
}

/** The command kept losing the race for its stream to other writers; retrying later may succeed. */
export class ConcurrencyConflictError extends ApplicationError {
  readonly kind = 'concurrency_conflict' as const;
}

/** The caller's expected revision (If-Match) is not the stream's: it decided on a state that is gone. */
export class PreconditionFailedError extends ApplicationError {
  readonly kind = 'precondition_failed' as const;
  constructor(
    message: string,
    /** The stream's revision now; null when it does not exist. */
    readonly currentRevision: StreamRevision | null,
  ) {
    super(message);
  }
}

/**
 * A read model whose checkpoint is past the head of the log it is asked about: it was built from another log
 * (another desk's files, a log restored from an older backup). Its answers would be another desk's data; the
 * process that runs the projections builds it again from the start when it starts.
 */
export class ReadModelNotOfThisLogError extends ApplicationError {
  readonly kind = 'read_model_not_of_this_log' as const;
}

/** Why a command was shed: nothing of it was decided or recorded. */
export type ShedReason = 'queue_full' | 'client_gone' | 'deadline_passed';

/**
 * A command dropped before it was decided: as many commands are in flight and waiting as may be (queue_full), its
 * client disconnected while it waited (client_gone), or it was not reached before its deadline (deadline_passed).
 * Nothing of it is in the log; the client may send it again.
 */
export class CommandShedError extends ApplicationError {
  readonly kind = 'shed' as const;
  /** The commands ahead drain within a second or so at the desk's rates. */
  readonly retryAfterSeconds = 1;

  constructor(
    readonly reason: ShedReason,
    message: string,
  ) {
    super(message);
  }
}
