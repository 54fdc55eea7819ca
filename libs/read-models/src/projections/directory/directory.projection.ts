import type { Kysely, Transaction } from 'kysely';
import type { LoggedEvent } from '../../runner/logged-event';
import type { Projection } from '../../runner/projection';
import type { AgentDepartmentRow, AgentRow, CustomerRow, ReadModelTables } from '../../store/read-model-tables';
import { rowsByKey, upsertRows } from '../../store/upsert';

/** Rows per insert: two parameters each, well under SQLite's limit. */
const CHUNK = 500;

const AGENT_EVENT_TYPES = ['AgentRegistered', 'AgentRenamed', 'AgentDepartmentsChanged', 'AgentTierChanged'] as const;

/**
 * The directories a console and a portal pick from: customers, agents and the
 * departments each agent works in. Other read models' queries join them by
 * id for names. (Departments themselves are request-summaries' table.)
 */
export class DirectoryProjection implements Projection {
  readonly name = 'directory';
  readonly version: number = 1;
  readonly eventTypes: ReadonlySet<string> = new Set<string>(['CustomerRegistered', ...AGENT_EVENT_TYPES]);
  readonly tables = ['customers', 'agents', 'agent_departments'] as const;

  async createTables(db: Kysely<ReadModelTables>): Promise<void> {
    await db.schema
      .createTable('customers')
      .ifNotExists()
      .addColumn('customer_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('department_id', 'text')
      .addColumn('customer_facing', 'integer', (c) => c.notNull())
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('agents')
      .ifNotExists()
      .addColumn('agent_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('agent_departments')
      .ifNotExists()
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('department_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('agent_departments_pk', ['agent_id', 'department_id'])
      .execute();
  }

  async createIndexes(db: Kysely<ReadModelTables>): Promise<void> {
    // Pickers page by name, then id.
    await db.schema.createIndex('customers_by_name').ifNotExists().on('customers').columns(['name', 'customer_id']).execute();
    await db.schema.createIndex('agents_by_name').ifNotExists().on('agents').columns(['name', 'agent_id']).execute();
    await db.schema.createIndex('agent_departments_by_department').ifNotExists().on('agent_departments').column('department_id').execute();
  }

  async apply(trx: Transaction<ReadModelTables>, events: LoggedEvent[]): Promise<void> {
    const customers: CustomerRow[] = [];
    const agentIds = new Set<string>();
    for (const event of events) if (isAgentEvent(event)) agentIds.add(event.data.agentId);
    const agents = new Map((await rowsByKey(trx, 'agents', 'agent_id', [...agentIds])).map((row) => [row.agent_id, row]));
    const changed = new Set<string>();
    /** The whole list of departments of each agent whose list an event set. */
    const departments = new Map<string, readonly string[]>();

    for (const event of events) {
      if (event.type === 'CustomerRegistered') {
        const data = event.data;
        customers.push({
          customer_id: data.customerId,
          name: data.name,
          type: data.type,
          kind: data.kind,
          department_id: data.type === 'internal' ? data.departmentId : null,
          customer_facing: data.type === 'internal' && data.customerFacing ? 1 : 0,
          registered_at: event.metadata.occurredAt,
        });
        continue;
      }
      if (!isAgentEvent(event)) continue;
      const id = event.data.agentId;
      const revision = Number(event.revision);
      const row = agents.get(id);
      // Events of a stream come in revision order: one at or below the row's was applied already.
      if (row && revision <= row.revision) continue;
      const at = event.metadata.occurredAt;
      let next: AgentRow;
      if (event.type === 'AgentRegistered') {
        next = { agent_id: id, name: event.data.name, tier: event.data.tier, registered_at: at, updated_at: at, revision };
        departments.set(id, event.data.departmentIds);
      } else {
        if (!row) throw new Error(`${event.type} of agent ${id} at revision ${revision}, but the directory has no such agent`);
        next = { ...row, updated_at: at, revision };
        if (event.type === 'AgentRenamed') next.name = event.data.name;
        else if (event.type === 'AgentTierChanged') next.tier = event.data.tier;
        else departments.set(id, event.data.departmentIds);
      }
      agents.set(id, next);
      changed.add(id);
    }

    await upsertRows(trx, 'customers', ['customer_id'], customers);
    await upsertRows(
      trx,
      'agents',
      ['agent_id'],
      [...changed].map((id) => agents.get(id)!),
    );
    if (departments.size > 0) {
      await trx
        .deleteFrom('agent_departments')
        .where('agent_id', 'in', [...departments.keys()])
        .execute();
      const rows: AgentDepartmentRow[] = [...departments].flatMap(([agent_id, ids]) =>
        ids.map((department_id) => ({ agent_id, department_id })),
      );
      // The lists were just deleted, and an agent's list names each department once.
      for (let start = 0; start < rows.length; start += CHUNK)
        await trx
          .insertInto('agent_departments')
          .values(rows.slice(start, start + CHUNK))
          .execute();
    }
  }
}

function isAgentEvent(event: LoggedEvent): event is Extract<LoggedEvent, { type: (typeof AGENT_EVENT_TYPES)[number] }> {
  return (AGENT_EVENT_TYPES as readonly string[]).includes(event.type);
}
