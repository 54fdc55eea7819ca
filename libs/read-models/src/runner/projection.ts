import type { Kysely, Transaction } from 'kysely';
import type { ReadModelTables } from '../store/read-model-tables';
import type { LoggedEvent } from './logged-event';

/**
 * A read model built from the global log. The runner hands it the events it
 * reads, in batches, inside the transaction that also moves its checkpoint:
 * `apply` must only write through `trx`, and must not keep state between
 * calls that the transaction's rollback would not undo.
 */
export interface Projection {
  readonly name: string;
  /** Bumped when the tables or their meaning change: the read model is then rebuilt from zero. */
  readonly version: number;
  /** The event types it reads; any other event only moves its checkpoint. */
  readonly eventTypes: ReadonlySet<string>;
  readonly tables: readonly (keyof ReadModelTables)[];
  createTables(db: Kysely<ReadModelTables>): Promise<void>;
  /**
   * Its secondary indexes, which createTables leaves out (keys and uniqueness stay with the tables): a copy built
   * beside the live tables (a rebuild) writes its rows without maintaining them, then builds each in one sort once it
   * has caught up, a third less to write. `apply` must not need them. Idempotent (if not exists).
   */
  createIndexes?(db: Kysely<ReadModelTables>): Promise<void>;
  /** The events it reads, decoded: an event the catalog cannot read fails the batch (a poison event) before it is applied. */
  apply(trx: Transaction<ReadModelTables>, events: LoggedEvent[]): Promise<void>;
}
