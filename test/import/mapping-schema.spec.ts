import Ajv from 'ajv';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAPPING_SCHEMA, MappingError, parseMapping } from '@desk/application';

/**
 * The mapping's JSON Schema, shipped as mappings/mapping.schema.json for editors and other tools, is the one the
 * importer checks mappings with (UPDATE_MAPPING_SCHEMA=1 writes the file from the code; then npx prettier --write it), and its problems name
 * where in the mapping each one is.
 */
const MAPPINGS = join(__dirname, '../../mappings');
const SHIPPED = join(MAPPINGS, 'mapping.schema.json');
const volvo = () => JSON.parse(readFileSync(join(MAPPINGS, 'volvo-it-incidents.json'), 'utf8'));

function problems(json: unknown): string[] {
  try {
    parseMapping(json);
  } catch (error) {
    if (error instanceof MappingError) return error.problems;
    throw error;
  }
  return [];
}

describe('the mapping schema', () => {
  it('is shipped as mappings/mapping.schema.json, as the importer has it', () => {
    if (process.env.UPDATE_MAPPING_SCHEMA === '1') writeFileSync(SHIPPED, JSON.stringify(MAPPING_SCHEMA, null, 2) + '\n');
    expect(JSON.parse(readFileSync(SHIPPED, 'utf8'))).toEqual(MAPPING_SCHEMA);
  });

  it('accepts every mapping shipped in mappings/, by the file itself as another tool reads it', () => {
    const validate = new Ajv({ allErrors: true, strictRequired: false }).compile(JSON.parse(readFileSync(SHIPPED, 'utf8')));
    const mappings = readdirSync(MAPPINGS).filter((name) => name.endsWith('.json') && name !== 'mapping.schema.json');
    expect(mappings.length).toBeGreaterThan(0);
    for (const name of mappings) {
      const json = JSON.parse(readFileSync(join(MAPPINGS, name), 'utf8'));
      expect([name, validate(json), validate.errors ?? null]).toEqual([name, true, null]);
      expect([name, problems(json)]).toEqual([name, []]);
    }
  });

  it('names where each problem is', () => {
    const base = volvo();
    expect(
      problems({
        ...base,
        missing: '?',
        status: { columns: [], values: { 'Queued/Awaiting Assignment': 'waiting' } },
        requester: { column: 'Org', type: 'internal', kind: 'individual' },
        tier: { column: 'ST Level', values: { L4: 'L4' }, colour: 'red' },
      }),
    ).toEqual([
      'missing must be array',
      'status.columns must list at least one column',
      'status.values["Queued/Awaiting Assignment"]: "waiting" is not one of new, assigned, in_progress, on_hold:awaiting_requester, on_hold:awaiting_third_party, on_hold:blocked_by_request, resolved, closed, cancelled, reject',
      'tier.colour is not a field of tier (column, values, default, missing)',
      'tier.values.L4: "L4" is not one of L1, L2, L3',
      'requester.departmentId is required',
      'requester.departmentName is required',
      'requester.kind: "individual" is not one of employee, temporary, contractor, owner, shareholder',
    ]);
    expect(problems({ ...base, status: { ...base.status, column: 'Status' } })).toEqual(['status needs column or columns, one of them']);
    expect(problems({ ...base, requester: { ...base.requester, departmentId: '-bad id' } })).toEqual([
      'requester.departmentId: "-bad id" must be 1–128 letters, digits or . _ : -, a letter or digit first (the id of the internal requesters\' department)',
    ]);
    expect(
      problems({
        ...base,
        timestamp: { ...base.timestamp, timeZone: 'Mars/Olympus' },
        agent: { column: 'Product', missing: ['?'] },
        category: { column: 'Product', missing: ['-'] },
      }),
    ).toEqual(['timestamp.timeZone: Mars/Olympus is not a time zone', 'column "Product" is given two different lists of missing values']);
  });
});
