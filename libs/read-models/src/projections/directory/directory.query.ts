import { sql, type Expression, type SqlBool } from 'kysely';
import { afterKeyset, decodeCursor, encodeCursor } from '../../queries/cursor';
import { InvalidCursorError } from '../../queries/queue.query';
import type { ReadModelDb } from '../../store/read-model-store';

/** A page of a directory: names in order, then ids; pass nextCursor back as cursor for the next page. */
export interface DirectoryPage<Item> {
  items: Item[];
  nextCursor: string | null;
}

export interface DirectoryFilter {
  /** Part of the name, any case. */
  q?: string;
  limit: number;
  cursor?: string;
}

export interface AgentEntry {
  agentId: string;
  name: string;
  tier: string;
  /** The departments whose requests they may be assigned, in id order. */
  departmentIds: string[];
  registeredAt: string;
  updatedAt: string;
}

export interface CustomerEntry {
  customerId: string;
  name: string;
  type: string;
  kind: string;
  /** Internal customers' department; null for external ones. */
  departmentId: string | null;
  customerFacing: boolean;
  registeredAt: string;
}

export interface DepartmentEntry {
  departmentId: string;
  name: string;
  registeredAt: string;
}

/** `name` contains `q`, whatever the case; LIKE's wildcards in `q` match themselves. */
function nameContains(column: Expression<string>, q: string): Expression<SqlBool> {
  const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${column}) like ${pattern} escape '\\'`;
}

/** The keyset after the cursor's row (name, then id), or an InvalidCursorError. */
function afterCursor(cursor: string | undefined): [string, string] | null {
  if (cursor === undefined) return null;
  const values = decodeCursor(cursor, ['string', 'string']);
  if (!values) throw new InvalidCursorError('cursor: not a cursor of this directory');
  return values as [string, string];
}

function page<Row, Item>(rows: Row[], limit: number, key: (row: Row) => [string, string], item: (row: Row) => Item): DirectoryPage<Item> {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { items: shown.map(item), nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}

export async function listAgents(db: ReadModelDb, filter: DirectoryFilter & { departmentId?: string }): Promise<DirectoryPage<AgentEntry>> {
  const after = afterCursor(filter.cursor);
  let query = db.selectFrom('agents').selectAll();
  if (filter.departmentId !== undefined) {
    const departmentId = filter.departmentId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('agent_departments')
          .select('agent_departments.agent_id')
          .whereRef('agent_departments.agent_id', '=', 'agents.agent_id')
          .where('agent_departments.department_id', '=', departmentId),
      ),
    );
  }
  if (filter.q) {
    const q = filter.q;
    query = query.where((eb) => nameContains(eb.ref('agents.name'), q));
  }
  if (after) {
    query = query.where((eb) =>
      afterKeyset(eb, [
        { expression: eb.ref('agents.name'), direction: 'asc', value: after[0] },
        { expression: eb.ref('agents.agent_id'), direction: 'asc', value: after[1] },
      ]),
    );
  }
  const rows = await query
    .orderBy('agents.name')
    .orderBy('agents.agent_id')
    .limit(filter.limit + 1)
    .execute();
  const departments = await departmentsOf(
    db,
    rows.slice(0, filter.limit).map((row) => row.agent_id),
  );
  return page(
    rows,
    filter.limit,
    (row) => [row.name, row.agent_id],
    (row) => agentEntry(row, departments.get(row.agent_id) ?? []),
  );
}

/** One agent, or null when nobody registered them. */
export async function agentById(db: ReadModelDb, agentId: string): Promise<AgentEntry | null> {
  const row = await db.selectFrom('agents').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
  if (!row) return null;
  return agentEntry(row, (await departmentsOf(db, [agentId])).get(agentId) ?? []);
}

async function departmentsOf(db: ReadModelDb, agentIds: string[]): Promise<Map<string, string[]>> {
  const byAgent = new Map<string, string[]>();
  if (agentIds.length === 0) return byAgent;
  const rows = await db
    .selectFrom('agent_departments')
    .select(['agent_id', 'department_id'])
    .where('agent_id', 'in', agentIds)
    .orderBy('agent_id')
    .orderBy('department_id')
    .execute();
  for (const row of rows) byAgent.set(row.agent_id, [...(byAgent.get(row.agent_id) ?? []), row.department_id]);
  return byAgent;
}

function agentEntry(
  row: { agent_id: string; name: string; tier: string; registered_at: string; updated_at: string },
  departmentIds: string[],
): AgentEntry {
  return {
    agentId: row.agent_id,
    name: row.name,
    tier: row.tier,
    departmentIds,
    registeredAt: row.registered_at,
    updatedAt: row.updated_at,
  };
}

export async function listCustomers(
  db: ReadModelDb,
  filter: DirectoryFilter & { type?: string; kind?: string; departmentId?: string },
): Promise<DirectoryPage<CustomerEntry>> {
  const after = afterCursor(filter.cursor);
  let query = db.selectFrom('customers').selectAll();
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.departmentId !== undefined) query = query.where('department_id', '=', filter.departmentId);
  if (filter.q) {
    const q = filter.q;
    query = query.where((eb) => nameContains(eb.ref('name'), q));
  }
  if (after) {
    query = query.where((eb) =>
      afterKeyset(eb, [
        { expression: eb.ref('name'), direction: 'asc', value: after[0] },
        { expression: eb.ref('customer_id'), direction: 'asc', value: after[1] },
      ]),
    );
  }
  const rows = await query
    .orderBy('name')
    .orderBy('customer_id')
    .limit(filter.limit + 1)
    .execute();
  return page(
    rows,
    filter.limit,
    (row) => [row.name, row.customer_id],
    (row) => ({
      customerId: row.customer_id,
      name: row.name,
      type: row.type,
      kind: row.kind,
      departmentId: row.department_id,
      customerFacing: row.customer_facing === 1,
      registeredAt: row.registered_at,
    }),
  );
}

/** The departments (request-summaries' table), for a department picker. */
export async function listDepartments(db: ReadModelDb, filter: DirectoryFilter): Promise<DirectoryPage<DepartmentEntry>> {
  const after = afterCursor(filter.cursor);
  let query = db.selectFrom('departments').selectAll();
  if (filter.q) {
    const q = filter.q;
    query = query.where((eb) => nameContains(eb.ref('name'), q));
  }
  if (after) {
    query = query.where((eb) =>
      afterKeyset(eb, [
        { expression: eb.ref('name'), direction: 'asc', value: after[0] },
        { expression: eb.ref('department_id'), direction: 'asc', value: after[1] },
      ]),
    );
  }
  const rows = await query
    .orderBy('name')
    .orderBy('department_id')
    .limit(filter.limit + 1)
    .execute();
  return page(
    rows,
    filter.limit,
    (row) => [row.name, row.department_id],
    (row) => ({ departmentId: row.department_id, name: row.name, registeredAt: row.registered_at }),
  );
}
