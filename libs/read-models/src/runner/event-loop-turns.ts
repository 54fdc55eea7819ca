/**
 * Embedded stores answer synchronously, so applying a large batch is one long
 * chain of microtasks that would hold every HTTP request until it ends. Work
 * that may run long asks `turnDue()` now and then and, when it says so,
 * awaits `takeTurn()`: one turn of the event loop every 10 ms of work, shared
 * by every projection of the process. A transaction may stay open across a
 * turn: the writer connection is the projections' own, queries read through
 * another.
 */
const TURN_EVERY_MS = 10;
let lastTurn = performance.now();

export function turnDue(): boolean {
  return performance.now() - lastTurn > TURN_EVERY_MS;
}

export async function takeTurn(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastTurn = performance.now();
}
