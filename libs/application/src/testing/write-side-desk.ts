import { agent, manager, otherAgent } from '@desk/domain/testing/roster';
import type { WriteSide } from '../commands/writes';
import { AgentWrite, CustomerWrite, DepartmentWrite } from '../commands/writes';

/** The smallest desk a write can be decided in, written through the write path: IT, Eva who works in it, and the roster's agents, who work in IT. */
export async function registerItAndEva(writes: WriteSide, evaId = 'emp-eva'): Promise<void> {
  const envelope = () => ({ commandId: `setup-${Math.random()}`, correlationId: 'setup', actor: manager });
  await writes.departments.execute(
    new DepartmentWrite('it', { type: 'RegisterDepartment', data: { departmentId: 'it', name: 'IT' } }, envelope()),
  );
  await writes.customers.execute(
    new CustomerWrite(
      evaId,
      {
        type: 'RegisterCustomer',
        data: { customerId: evaId, name: 'Eva', type: 'internal', kind: 'employee', departmentId: 'it', customerFacing: false },
      },
      envelope(),
    ),
  );
  for (const { id } of [agent, otherAgent]) {
    await writes.agents.execute(
      new AgentWrite(id, { type: 'RegisterAgent', data: { agentId: id, name: id, departmentIds: ['it'], tier: 'L1' } }, envelope()),
    );
  }
}
