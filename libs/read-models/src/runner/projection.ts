import type { Kysely, Transaction } from 'kysely';
import type { RecordedEvent } from '@desk/event-store';
import type { ReadModelTables } from '../store/read-model-tables';

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
  apply(trx: Transaction<ReadModelTables>, events: RecordedEvent[]): Promise<void>;
}
