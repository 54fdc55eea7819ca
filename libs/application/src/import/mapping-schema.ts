import { EXTERNAL_CUSTOMER_KINDS, HOLD_REASONS, ID_PATTERN, INTERNAL_CUSTOMER_KINDS, PRIORITIES, TIERS } from '@desk/domain';

/** What a row's status values can be mapped onto. */
export const STATUS_TARGETS = [
  'new',
  'assigned',
  'in_progress',
  ...HOLD_REASONS.map((reason) => `on_hold:${reason}`),
  'resolved',
  'closed',
  'cancelled',
  'reject',
] as const;

const text = { type: 'string', minLength: 1 } as const;

const missing = {
  description:
    'Values that mean "no value" in this column (besides the empty one, always missing): the value is absent, never an entity. Replaces the mapping\'s own list for this column.',
  type: 'array',
  items: { type: 'string' },
  uniqueItems: true,
} as const;

const mergeSpellings = {
  description:
    'Values that fold to one id (differing only in case, accents or separators) are one entity, named by the first; without it such a value is refused as a collision.',
  type: 'boolean',
} as const;

/** A column of entities the import registers (teams, requesters, agents). */
const entityField = (description: string) =>
  ({
    description,
    type: 'object',
    required: ['column'],
    additionalProperties: false,
    properties: { column: text, missing, mergeSpellings },
  }) as const;

const valueMap = (allowed: readonly string[]) =>
  ({
    type: 'object',
    description:
      'The source\'s values (after trimming) and what each means here. A key with * is a pattern (* is any run of characters; "*" alone any value not listed), tried in order after the exact keys; a value nothing matches rejects its row.',
    additionalProperties: { enum: allowed },
  }) as const;

const defaultOf = (allowed: readonly string[]) =>
  ({
    description: 'What a missing value (empty, or a missing-value marker) means; without it such a row is refused.',
    enum: allowed,
  }) as const;

/** A value for every row, or { column, values, default } to read it from a column. */
const attribute = (allowed: readonly (string | boolean)[], description: string) =>
  ({
    description: `${description}: a value, or { column, values, default, missing } to read it from a column`,
    oneOf: [
      { enum: allowed },
      {
        type: 'object',
        required: ['column', 'values'],
        additionalProperties: false,
        properties: {
          column: text,
          values: { type: 'object', additionalProperties: { enum: allowed } },
          default: { enum: allowed },
          missing,
        },
      },
    ],
  }) as const;

const patternList = {
  description: 'One pattern or a list (any of them); * is any run of characters. null: the column holds no value.',
  oneOf: [{ type: 'string' }, { type: 'array', minItems: 1, items: { type: 'string' } }, { type: 'null' }],
} as const;

/**
 * The JSON Schema of an import mapping (mappings/README.md describes each field). The shipped
 * mappings/mapping.schema.json is this document: test/import/mapping-schema.spec.ts keeps the two equal.
 */
export const MAPPING_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://service-desk.local/mappings/mapping.schema.json',
  title: "A mapping of another desk's CSV event log onto this desk",
  type: 'object',
  required: ['source', 'caseId', 'timestamp', 'status', 'department', 'priority', 'requester', 'subject'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    $comment: { type: 'string' },
    source: {
      description: '1–40 letters, digits or . _ - (names the source in event metadata and import actor ids)',
      type: 'string',
      pattern: '^[A-Za-z0-9._-]{1,40}$',
    },
    missing: {
      description:
        'Values that mean "no value" in every column without a list of its own (the empty value always does), e.g. ["?", "-", "NULL"].',
      type: 'array',
      items: { type: 'string' },
      uniqueItems: true,
    },
    caseId: { ...text, description: 'The column of the case id: its rows are one request.' },
    timestamp: {
      description: "The column of the row's time, its format and the time zone it is read in.",
      type: 'object',
      required: ['column'],
      additionalProperties: false,
      properties: {
        column: text,
        format: { ...text, description: "iso8601 (the default), or a pattern such as 'D/M/YYYY HH:mm'" },
        timeZone: { ...text, description: 'An IANA time zone (default UTC) for times without an offset.' },
        missing,
      },
    },
    status: {
      description: "The column (or columns, joined with '/') whose value says where the case stands after the row.",
      type: 'object',
      required: ['values'],
      additionalProperties: false,
      oneOf: [{ required: ['column'] }, { required: ['columns'] }],
      properties: {
        column: text,
        columns: { type: 'array', minItems: 1, items: text },
        values: valueMap(STATUS_TARGETS),
        rules: {
          description:
            'Statuses that depend on other columns, tried in order before values: the first rule whose every column matches wins.',
          type: 'array',
          items: {
            type: 'object',
            required: ['when', 'then'],
            additionalProperties: false,
            properties: {
              when: { type: 'object', minProperties: 1, additionalProperties: patternList },
              then: { enum: STATUS_TARGETS },
            },
          },
        },
        default: { ...defaultOf(STATUS_TARGETS), description: 'What a row whose every status column is missing means.' },
        missing,
      },
    },
    department: {
      ...entityField('The column of the team that holds the case: a department each.'),
      properties: {
        ...entityField('').properties,
        afterResolution: {
          description:
            "A team change on a row after resolution: report lists it in the report (the default); transfer reopens the request, transfers it and resolves it again at the row's time.",
          enum: ['report', 'transfer'],
        },
      },
    },
    tier: {
      description: 'The column of the support level: a higher one than the request has escalates it.',
      type: 'object',
      required: ['column', 'values'],
      additionalProperties: false,
      properties: { column: text, values: valueMap(TIERS), default: defaultOf(TIERS), missing },
    },
    agent: entityField('The column of the person working the case: an agent each, of every team they appear in.'),
    priority: {
      description: "The column of the case's priority.",
      type: 'object',
      required: ['column', 'values'],
      additionalProperties: false,
      properties: { column: text, values: valueMap(PRIORITIES), default: defaultOf(PRIORITIES), missing },
    },
    requester: {
      description: 'The column of who asked: a customer each, of the type, kind and department given here or read from columns.',
      type: 'object',
      required: ['column', 'type', 'kind'],
      additionalProperties: false,
      properties: {
        column: text,
        type: attribute(['internal', 'external'], 'internal or external, for all requesters or from a column'),
        kind: attribute([...INTERNAL_CUSTOMER_KINDS, ...EXTERNAL_CUSTOMER_KINDS], "the requester's kind, which must fit their type"),
        departmentId: {
          description: "1–128 letters, digits or . _ : -, a letter or digit first (the id of the internal requesters' department)",
          type: 'string',
          pattern: ID_PATTERN.source,
        },
        departmentName: text,
        department: {
          description: "The column of each internal requester's department: a department each, registered by that name.",
          type: 'object',
          required: ['column'],
          additionalProperties: false,
          properties: { column: text, missing },
        },
        customerFacing: attribute([true, false], 'whether an internal requester holds a customer-facing role (default false)'),
        missing,
        mergeSpellings,
      },
      dependencies: { departmentId: ['departmentName'], departmentName: ['departmentId'] },
      allOf: [
        {
          if: { properties: { type: { const: 'internal' } }, not: { required: ['department'] } },
          then: { required: ['departmentId', 'departmentName'] },
        },
        {
          if: { properties: { type: { const: 'internal' }, kind: { type: 'string' } } },
          then: { properties: { kind: { enum: INTERNAL_CUSTOMER_KINDS } } },
        },
        {
          if: { properties: { type: { const: 'external' }, kind: { type: 'string' } } },
          then: { properties: { kind: { enum: EXTERNAL_CUSTOMER_KINDS } } },
        },
      ],
    },
    category: {
      description: "The column of the request's category (its first 100 characters).",
      type: 'object',
      required: ['column'],
      additionalProperties: false,
      properties: { column: text, missing },
    },
    subject: {
      ...text,
      description: "The subject of an opened request: {column} is replaced by the first row's value in that column.",
    },
    times: {
      description:
        "Columns of when the case was opened, resolved and closed, as the source recorded them: the open, the resolution or the close a row makes happens at that time when it lies after the case's previous row and not after the row's own time.",
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        ['opened', 'resolved', 'closed'].map((milestone) => [
          milestone,
          {
            description: `The column of when the case was ${milestone}; format and time zone are the timestamp's unless given.`,
            type: 'object',
            required: ['column'],
            additionalProperties: false,
            properties: {
              column: text,
              format: { ...text, description: "iso8601, or a pattern such as 'D/M/YYYY HH:mm'" },
              timeZone: { ...text, description: 'An IANA time zone for times without an offset.' },
              missing,
            },
          },
        ]),
      ),
    },
    afterClosed: {
      description:
        "A row after Closed that is not Closed: reject refuses it (the default); reopen reopens the request at the row's time, keeping a second cycle of work.",
      enum: ['reject', 'reopen'],
    },
  },
} as const;
