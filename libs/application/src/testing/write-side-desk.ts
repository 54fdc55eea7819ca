import { manager } from '@desk/domain/testing/roster';
import type { WriteSide } from '../commands/writes';
import { CustomerWrite, DepartmentWrite } from '../commands/writes';

/** The smallest desk a write can be decided in, written through the write path: IT, and Eva who works in it. */
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
}
