import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv, MappingError, parseMapping } from '@desk/application';
import { SqliteEventStore } from '@desk/event-store';
import { GENERIC_HEADER, genericMapping, genericMappingJson, writeGenericLog } from './generic-log';

/** The requester's type, kind, department and customer-facing role read from columns, with defaults. */
describe("the requester's profile from columns", () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-requesters-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const HEADER = [...GENERIC_HEADER, 'caller_type', 'caller_kind', 'caller_dept', 'vip'];
  const requester = {
    column: 'caller',
    type: { column: 'caller_type', values: { Staff: 'internal', Customer: 'external' }, default: 'external' },
    kind: { column: 'caller_kind', values: { Employee: 'employee', Contractor: 'contractor', Company: 'business', '*': 'individual' } },
    department: { column: 'caller_dept' },
    departmentId: 'staff',
    departmentName: 'Staff without a department',
    customerFacing: { column: 'vip', values: { yes: true, no: false }, default: false },
  };
  const registered = async (id: string) => (await store.readStream(`customer-${id}`)).map((event) => event.data);

  it('registers each requester as the first row naming them says, their department by its name, the mapping’s one when missing', async () => {
    const at = '2024-05-06T09:00:00Z';
    const file = writeGenericLog(
      dir,
      [
        {
          number: 'R1',
          updated: at,
          state: 'New',
          caller: 'Ann Smith',
          caller_type: 'Staff',
          caller_kind: 'Employee',
          caller_dept: 'Sales',
          vip: 'yes',
        },
        { number: 'R2', updated: at, state: 'New', caller: 'Bo Li', caller_type: 'Staff', caller_kind: 'Contractor' },
        { number: 'R3', updated: at, state: 'New', caller: 'Acme', caller_type: 'Customer', caller_kind: 'Company' },
        { number: 'R4', updated: at, state: 'New', caller: 'Cy Doe', caller_kind: 'Person' },
      ],
      HEADER,
    );
    const result = await importCsv({ store, mapping: genericMapping({ requester }), file });
    expect(result.rowsRejected).toBe(0);
    expect(await registered('generic:ann-smith')).toEqual([
      {
        customerId: 'generic:ann-smith',
        name: 'Ann Smith',
        type: 'internal',
        kind: 'employee',
        departmentId: 'generic:sales',
        customerFacing: true,
      },
    ]);
    expect((await store.readStream('department-generic:sales')).map((event) => event.data)).toMatchObject([
      { departmentId: 'generic:sales', name: 'Sales' },
    ]);
    expect(await registered('generic:bo-li')).toEqual([
      {
        customerId: 'generic:bo-li',
        name: 'Bo Li',
        type: 'internal',
        kind: 'contractor',
        departmentId: 'generic:staff',
        customerFacing: false,
      },
    ]);
    expect(await registered('generic:acme')).toEqual([{ customerId: 'generic:acme', name: 'Acme', type: 'external', kind: 'business' }]);
    expect(await registered('generic:cy-doe')).toEqual([
      { customerId: 'generic:cy-doe', name: 'Cy Doe', type: 'external', kind: 'individual' },
    ]);
    expect((await store.readStream('department-generic:staff')).map((event) => event.data)).toMatchObject([
      { name: 'Staff without a department' },
    ]);
  });

  it('lists what a later row says of a registered requester that their registration does not hold', async () => {
    const file = writeGenericLog(
      dir,
      [
        {
          number: 'P1',
          updated: '2024-05-06T09:00:00Z',
          state: 'New',
          caller: 'Ann Smith',
          caller_type: 'Staff',
          caller_kind: 'Employee',
          caller_dept: 'Sales',
        },
        {
          number: 'P2',
          updated: '2024-05-06T10:00:00Z',
          state: 'New',
          caller: 'Ann Smith',
          caller_type: 'Staff',
          caller_kind: 'Contractor',
          caller_dept: 'Ops',
          vip: 'yes',
        },
        {
          number: 'P3',
          updated: '2024-05-06T11:00:00Z',
          state: 'New',
          caller: 'Ann Smith',
          caller_type: 'Staff',
          caller_kind: 'Employee',
          caller_dept: 'Sales',
        },
      ],
      HEADER,
    );
    const result = await importCsv({ store, mapping: genericMapping({ requester }), file });
    expect(result.notApplied.map(({ line, field, value, reason }) => [line, field, value, reason])).toEqual([
      [
        3,
        'requester',
        'Ann Smith (kind contractor)',
        'requester generic:ann-smith is registered as the first row naming them says (kind employee)',
      ],
      [
        3,
        'requester',
        'Ann Smith (customer-facing true)',
        'requester generic:ann-smith is registered as the first row naming them says (customer-facing false)',
      ],
      [
        3,
        'requester',
        'Ann Smith (department Ops)',
        'requester generic:ann-smith is registered as the first row naming them says (department Sales)',
      ],
    ]);
    expect(await registered('generic:ann-smith')).toMatchObject([
      { kind: 'employee', departmentId: 'generic:sales', customerFacing: false },
    ]);
  });

  it('refuses a row whose requester the columns cannot say, naming why', async () => {
    const at = '2024-05-06T09:00:00Z';
    const { departmentId: _id, departmentName: _name, ...withoutConstant } = requester;
    const file = writeGenericLog(
      dir,
      [
        { number: 'S1', updated: at, state: 'New', caller: 'Ann', caller_type: 'Alien', caller_kind: 'Employee' },
        { number: 'S2', updated: at, state: 'New', caller: 'Bo', caller_type: 'Staff', caller_kind: 'Company' },
        { number: 'S3', updated: at, state: 'New', caller: 'Cy', caller_type: 'Staff', caller_kind: 'Employee' },
        {
          number: 'S4',
          updated: at,
          state: 'New',
          caller: 'Di',
          caller_type: 'Staff',
          caller_kind: 'Employee',
          caller_dept: 'Ops',
          vip: 'maybe',
        },
        { number: 'S5', updated: at, state: 'New', caller: 'Ed', caller_type: 'Staff', caller_kind: 'Employee', caller_dept: '?!' },
      ],
      HEADER,
    );
    const result = await importCsv({ store, mapping: genericMapping({ requester: withoutConstant }), file });
    expect(result.rejected.map(({ line, reason }) => [line, reason])).toEqual([
      [2, 'requester type in column "caller_type" is "Alien", which is not in the mapping'],
      [3, 'requester kind "business" is not a kind of internal requester (employee, temporary, contractor, owner, shareholder)'],
      [4, 'no department for an internal requester in column "caller_dept"'],
      [5, 'requester customerFacing in column "vip" is "maybe", which is not in the mapping'],
      [6, 'requester department "?!" in "caller_dept" gives no id (it has no letter or digit)'],
    ]);
    expect(await store.readStream('customer-generic:ann')).toEqual([]);
  });

  it('names the path of a bad requester attribute', () => {
    const problems = (overrides: Record<string, unknown>) => {
      try {
        parseMapping(genericMappingJson({ requester: { ...requester, ...overrides } }));
        return [];
      } catch (error) {
        return (error as MappingError).problems;
      }
    };
    expect(problems({ type: 'alien' })).toEqual([
      'requester.type: "alien" is not one of internal, external, nor { column, values, default, missing }',
    ]);
    expect(problems({ customerFacing: { column: 'vip', values: { yes: 'yes' } } })).toEqual([
      'requester.customerFacing: {"column":"vip","values":{"yes":"yes"}} is not one of true, false, nor { column, values, default, missing }',
    ]);
    expect(
      problems({ type: 'internal', kind: 'employee', department: undefined, departmentId: undefined, departmentName: undefined }),
    ).toEqual(['requester.departmentId is required', 'requester.departmentName is required']);
  });
});
