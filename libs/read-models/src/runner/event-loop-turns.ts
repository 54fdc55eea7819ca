import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

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

/**
 * For a connection whose statements each run long (building an index): a turn after every statement that ends when
 * one is due, so a series of them never holds the loop for longer than the longest one.
 */
export class TurnsBetweenStatements implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (turnDue()) await takeTurn();
    return args.result;
  }
}
