import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIENCES, EXTERNAL_CUSTOMER_KINDS, INTERNAL_CUSTOMER_KINDS } from '@desk/domain';
import type { CustomerEntry, DepartmentEntry, DirectoryPage } from '@desk/read-models';

const NEXT_CURSOR = {
  type: String,
  nullable: true,
  example: 'WyJJVCIsIml0Il0',
  description: 'Pass back as cursor for the next page; null on the last',
} as const;

/** A department as GET /departments lists it; requesters get its id and name only (a portal's picker). */
export class DepartmentEntryResponse implements Partial<DepartmentEntry> {
  @ApiProperty({ example: 'it' })
  departmentId: string;

  @ApiProperty({ example: 'IT' })
  name: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-03-02T09:00:00.000Z', description: 'Staff only' })
  registeredAt?: string;
}

export class DepartmentPageResponse implements DirectoryPage<Partial<DepartmentEntry>> {
  @ApiProperty({ type: () => [DepartmentEntryResponse] })
  items: DepartmentEntryResponse[];

  @ApiProperty(NEXT_CURSOR)
  nextCursor: string | null;
}

export class CustomerEntryResponse implements CustomerEntry {
  @ApiProperty({ example: 'reception-anna' })
  customerId: string;

  @ApiProperty({ example: 'Anna Peeters' })
  name: string;

  @ApiProperty({ enum: [...AUDIENCES], example: 'internal' })
  type: string;

  @ApiProperty({ enum: [...INTERNAL_CUSTOMER_KINDS, ...EXTERNAL_CUSTOMER_KINDS], example: 'employee' })
  kind: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'front-desk',
    description: "Internal customers' department; null for external ones",
  })
  departmentId: string | null;

  @ApiProperty({ description: 'Internal customers only: receptionists, sales, support… (false for external ones)' })
  customerFacing: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-03-02T09:00:00.000Z' })
  registeredAt: string;
}

export class CustomerPageResponse implements DirectoryPage<CustomerEntry> {
  @ApiProperty({ type: () => [CustomerEntryResponse] })
  items: CustomerEntryResponse[];

  @ApiProperty(NEXT_CURSOR)
  nextCursor: string | null;
}
