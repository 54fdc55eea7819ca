import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';

/** A sort key of a keyset page: the SQL expression, its direction, and the value of the last row shown. */
export interface KeysetKey {
  expression: Expression<unknown>;
  direction: 'asc' | 'desc';
  value: string | number;
}

/** Rows strictly after the last one shown, in the page's order: (k1 > v1) or (k1 = v1 and k2 > v2) or … */
export function afterKeyset<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, keys: readonly KeysetKey[]): Expression<SqlBool> {
  const alternatives = keys.map((key, index) => {
    const equal = keys.slice(0, index).map((earlier) => sql<SqlBool>`${earlier.expression} = ${earlier.value}`);
    const beyond =
      key.direction === 'asc' ? sql<SqlBool>`${key.expression} > ${key.value}` : sql<SqlBool>`${key.expression} < ${key.value}`;
    return eb.and([...equal, beyond]);
  });
  return eb.or(alternatives);
}

/** Cursors are opaque to clients: the last row's sort values, base64url JSON. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** What a cursor holds at each place: text, a whole number, or any finite number (a search's rank). */
export type CursorValueType = 'string' | 'number' | 'real';

/** The sort values of a cursor, or null when it is not one this query gave out. */
export function decodeCursor(cursor: string, shape: readonly CursorValueType[]): (string | number)[] | null {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(values) || values.length !== shape.length) return null;
    // Only what a page could have ended on: whole numbers of a sane size (finite ones for 'real'), short text without NUL.
    const sane = (value: unknown, index: number) =>
      shape[index] === 'string'
        ? typeof value === 'string' && value.length <= 300 && !value.includes('\u0000')
        : typeof value === 'number' &&
          (shape[index] === 'real' ? Number.isFinite(value) : Number.isInteger(value)) &&
          Math.abs(value) <= 1_000_000_000;
    return values.every(sane) ? (values as (string | number)[]) : null;
  } catch {
    return null;
  }
}
