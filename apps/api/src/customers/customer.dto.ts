import { EXTERNAL_CUSTOMER_KINDS, INTERNAL_CUSTOMER_KINDS } from '@desk/domain';
import { BooleanField, EnumField, IdField, TextField } from '../http/fields';

export class RegisterCustomerBody {
  @IdField({ example: 'reception-anna', description: "A requester's token subject is this id" })
  id: string;

  @TextField({ max: 200, example: 'Anna Peeters' })
  name: string;

  @EnumField(['internal', 'external'])
  type: string;

  @EnumField([...INTERNAL_CUSTOMER_KINDS, ...EXTERNAL_CUSTOMER_KINDS], {
    description: `internal: ${INTERNAL_CUSTOMER_KINDS.join(', ')}; external: ${EXTERNAL_CUSTOMER_KINDS.join(', ')}`,
  })
  kind: string;

  @IdField({ optional: true, description: 'Internal customers only: the department they belong to' })
  departmentId?: string;

  @BooleanField({ optional: true, description: 'Internal customers only: receptionists, sales, support…' })
  customerFacing?: boolean;
}
