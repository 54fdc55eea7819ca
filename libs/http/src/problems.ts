/**
 * Errors of the HTTP layer itself (not the domain's or the application's):
 * each carries its status. With the domain's and the application's error kinds
 * they are mapped to application/problem+json in one place, problem-details.ts.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly fields?: Record<string, string>,
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class BadRequestProblem extends ProblemError {
  constructor(detail: string, fields?: Record<string, string>) {
    super(400, 'Invalid input', detail, fields);
  }
}

export class UnauthorizedProblem extends ProblemError {
  constructor(detail: string) {
    super(401, 'Not authenticated', detail);
  }
}

export class ForbiddenProblem extends ProblemError {
  constructor(detail: string) {
    super(403, 'Not allowed', detail);
  }
}

export class NotFoundProblem extends ProblemError {
  constructor(detail: string) {
    super(404, 'Not found', detail);
  }
}

export class ConflictProblem extends ProblemError {
  constructor(detail: string) {
    super(409, 'Conflict', detail);
  }
}

/** The body is in a form the route does not read (a charset other than UTF-8). */
export class UnsupportedMediaTypeProblem extends ProblemError {
  constructor(detail: string) {
    super(415, 'Unsupported media type', detail);
  }
}

/** The route has no representation the client's Accept header takes; the detail names those it has. */
export class NotAcceptableProblem extends ProblemError {
  constructor(offered: readonly string[]) {
    super(406, 'Not acceptable', `this answer can be sent as ${offered.join(', ')}; the Accept header takes none of them`);
  }
}
