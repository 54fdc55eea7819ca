import { CompiledQuery, SqliteAdapter, sql, type Kysely, type OnConflictBuilder, type Transaction } from 'kysely';
import type { ReadModelTables } from './read-model-tables';
import { takeTurn, turnDue } from '../runner/event-loop-turns';

/** Rows per multi-row statement on SQLite: well under its 32,766 parameters for our widest table. */
const CHUNK = 400;
/** Rows per statement of SQLite's prepared multi-row upserts: 7,700 parameters for the widest table's 77 columns. */
const ROWS_PER_STATEMENT = 100;
/** Rows per JSON parameter on PostgreSQL. */
const JSON_CHUNK = 2_000;

/** Inserts rows, or replaces every column of those whose key exists. */
export async function upsertRows<Table extends keyof ReadModelTables>(
  trx: Transaction<ReadModelTables>,
  table: Table,
  key: readonly (keyof ReadModelTables[Table] & string)[],
  rows: readonly ReadModelTables[Table][],
): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(rows[0]) as (keyof ReadModelTables[Table] & string)[];
  const columns = names.filter((column) => !key.includes(column));
  const replaceOnConflict = (conflict: OnConflictBuilder<ReadModelTables, Table>) =>
    conflict
      .columns(key as never)
      .doUpdateSet((excluded) => Object.fromEntries(columns.map((c) => [c, excluded.ref(`excluded.${c}` as never)])) as never);
  // Kysely's generic insert types cannot follow a table chosen at run time; the rows are typed by the signature.
  const upsert = (chunk: readonly ReadModelTables[Table][]) =>
    trx
      .insertInto(table)
      .values(chunk as never)
      .onConflict(replaceOnConflict);
  if (isSqlite(trx)) {
    // Kysely compiling a 400-row statement costs more than SQLite running 400 one-row ones: the one-row statement is
    // compiled once, and prepared once (the store keeps statements by their text). compile() applies the writer's
    // plugins (a rebuild's table renaming), so the template already names the right table. Rows then go
    // ROWS_PER_STATEMENT at a time in the same statement with its values repeated (one call into Kysely and SQLite
    // for them all, a sixth less per row than one at a time), the rest one by one.
    const template = upsert([rows[0]]).compile();
    const tuple = `(${names.map(() => '?').join(', ')})`;
    if (template.parameters.length === names.length && template.sql.split(tuple).length === 2) {
      const many = template.sql.replace(tuple, Array<string>(ROWS_PER_STATEMENT).fill(tuple).join(', '));
      let start = 0;
      for (; start + ROWS_PER_STATEMENT <= rows.length; start += ROWS_PER_STATEMENT) {
        const values: unknown[] = [];
        for (const row of rows.slice(start, start + ROWS_PER_STATEMENT)) for (const name of names) values.push(row[name] ?? null);
        await trx.executeQuery(CompiledQuery.raw(many, values));
        if (turnDue()) await takeTurn();
      }
      for (const row of rows.slice(start)) {
        await trx.executeQuery(
          CompiledQuery.raw(
            template.sql,
            names.map((name) => row[name] ?? null),
          ),
        );
        if (turnDue()) await takeTurn();
      }
    } else {
      for (let start = 0; start < rows.length; start += CHUNK) await upsert(rows.slice(start, start + CHUNK)).execute();
    }
    return;
  }
  // PostgreSQL: every row in one JSON parameter, spread into the table's row type by the server. Kysely then compiles
  // a statement of a few nodes instead of one with a parameter per value (24,000 for 400 summaries).
  for (let start = 0; start < rows.length; start += JSON_CHUNK) {
    const chunk = rows.slice(start, start + JSON_CHUNK);
    await trx
      .insertInto(table)
      .columns(names as never)
      .expression(
        sql`select ${sql.join(names.map((name) => sql.ref(name)))} from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(chunk)})` as never,
      )
      .onConflict(replaceOnConflict)
      .execute();
  }
}

/** Whether a connection (a store's reader or writer, a transaction) is to SQLite; PostgreSQL otherwise. A replay (asOf) is SQLite whatever the live store. */
export function isSqlite(db: Kysely<ReadModelTables>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/** Reads rows by key. */
export async function rowsByKey<Table extends keyof ReadModelTables, Key extends keyof ReadModelTables[Table] & string>(
  trx: Transaction<ReadModelTables>,
  table: Table,
  key: Key,
  values: readonly string[],
): Promise<ReadModelTables[Table][]> {
  return rowsWhereIn(trx, table, key, values);
}

/**
 * Rows whose column holds one of the values, in one statement of one parameter whatever their number (so SQLite
 * prepares it once); with `atLeast`, only those whose other column is at or above a value.
 */
export async function rowsWhereIn<Table extends keyof ReadModelTables>(
  trx: Transaction<ReadModelTables>,
  table: Table,
  column: keyof ReadModelTables[Table] & string,
  values: readonly string[],
  atLeast?: { column: keyof ReadModelTables[Table] & string; value: string },
): Promise<ReadModelTables[Table][]> {
  if (values.length === 0) return [];
  const inValues = isSqlite(trx) ? sql`(select value from json_each(${JSON.stringify(values)}))` : sql`any(${values})`;
  let query = trx
    .selectFrom(table as never)
    .selectAll()
    .where(column as never, isSqlite(trx) ? 'in' : '=', inValues as never);
  if (atLeast) query = query.where(atLeast.column as never, '>=', atLeast.value as never);
  return (await query.execute()) as ReadModelTables[Table][];
}
