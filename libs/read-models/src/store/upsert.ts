import type { Transaction } from 'kysely';
import type { ReadModelTables } from './read-model-tables';

/** Rows per statement: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters for our widest table. */
const CHUNK = 400;

/** Inserts rows, or replaces every column of those whose key exists. */
export async function upsertRows<Table extends keyof ReadModelTables>(
  trx: Transaction<ReadModelTables>,
  table: Table,
  key: readonly (keyof ReadModelTables[Table] & string)[],
  rows: readonly ReadModelTables[Table][],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]).filter((column) => !key.includes(column as never));
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    // Kysely's generic insert types cannot follow a table chosen at run time; the rows are typed by the signature.
    const insert = trx.insertInto(table).values(chunk as never);
    await insert
      .onConflict((conflict) =>
        conflict
          .columns(key as never)
          .doUpdateSet((excluded) => Object.fromEntries(columns.map((c) => [c, excluded.ref(`excluded.${c}` as never)])) as never),
      )
      .execute();
  }
}

/** Reads rows by key in chunks (SQL `in` lists stay short). */
export async function rowsByKey<Table extends keyof ReadModelTables, Key extends keyof ReadModelTables[Table] & string>(
  trx: Transaction<ReadModelTables>,
  table: Table,
  key: Key,
  values: readonly string[],
): Promise<ReadModelTables[Table][]> {
  const rows: ReadModelTables[Table][] = [];
  for (let start = 0; start < values.length; start += CHUNK) {
    const chunk = values.slice(start, start + CHUNK);
    const found = await trx
      .selectFrom(table as never)
      .selectAll()
      .where(key as never, 'in', chunk as never)
      .execute();
    rows.push(...(found as ReadModelTables[Table][]));
  }
  return rows;
}
