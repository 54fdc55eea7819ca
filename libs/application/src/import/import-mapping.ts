import { DateTime } from 'luxon';
import Ajv, { type ErrorObject } from 'ajv';
import { MAPPING_SCHEMA } from './mapping-schema';
import { EXTERNAL_CUSTOMER_KINDS, INTERNAL_CUSTOMER_KINDS } from '@desk/domain';
import type { HoldReason, Priority, Tier } from './vocabulary';

/** Where a request stands after a row: a lifecycle status, holds with their reason. */
export type TargetStatus =
  { status: 'new' | 'assigned' | 'in_progress' | 'resolved' | 'closed' | 'cancelled' } | { status: 'on_hold'; reason: HoldReason };

/** A column read by a field, and the values that mean "no value" in it when the field says so. */
interface Column {
  column: string;
  missing?: string[];
}

/**
 * A status decided by other columns too: it applies when every column it names holds one of its patterns (a missing
 * value matches none; null matches only a missing value). The first rule that applies wins, before the values.
 */
export interface StatusRule {
  when: Record<string, string[] | null>;
  then: TargetStatus | 'reject';
}

export type CustomerKind = (typeof INTERNAL_CUSTOMER_KINDS)[number] | (typeof EXTERNAL_CUSTOMER_KINDS)[number];

/** A value the same for every row, or read from a column through a value map, with a default for a missing cell. */
export type Attribute<T> = T | (Column & { values: Record<string, T>; default?: T });

/** An attribute's value for a row: undefined when the column's value is not in the map (or missing, without a default). */
export function attributeOf<T>(attribute: Attribute<T>, cell: (column: string) => string | undefined): T | undefined {
  if (typeof attribute !== 'object' || attribute === null) return attribute;
  const { column, values, default: fallback } = attribute as Column & { values: Record<string, T>; default?: T };
  const value = cell(column);
  return value === undefined ? fallback : lookUp(values, value);
}

/** A column of entities: teams, requesters, agents. */
interface EntityColumn extends Column {
  /** Values that fold to one id are one entity (else a collision, refused). */
  mergeSpellings?: boolean;
}

/**
 * How the columns of another desk's CSV event log map onto this desk. Each
 * row is a snapshot of a case after a change; mappings/README.md describes
 * every field, mappings/mapping.schema.json checks them.
 */
export interface ImportMapping {
  /** Names the source in event metadata and import actor ids (letters, digits, - _ .). */
  source: string;
  /** Values that mean "no value" in every column without a list of its own; the empty value always does. */
  missing: string[];
  caseId: string;
  timestamp: Column & { format: 'iso8601' | string; timeZone: string };
  /** One column, or several joined with '/', looked up in values after the rules; default when every column is missing. */
  status: {
    columns: string[];
    values: Record<string, TargetStatus | 'reject'>;
    rules: StatusRule[];
    default?: TargetStatus | 'reject';
    missing?: string[];
  };
  department: EntityColumn & {
    /** A team change on a row after resolution: listed in the report (the default), or a transfer (reopen, transfer, resolve again). */
    afterResolution?: 'report' | 'transfer';
  };
  tier?: Column & { values: Record<string, Tier>; default?: Tier };
  agent?: EntityColumn;
  priority: Column & { values: Record<string, Priority>; default?: Priority };
  requester: EntityColumn & {
    type: Attribute<'internal' | 'external'>;
    kind: Attribute<CustomerKind>;
    /** The internal requesters' department when it is one for all, */
    departmentId?: string;
    departmentName?: string;
    /** or the column naming each one's department (a department each, registered by that name; the constant one when missing). */
    department?: Column;
    customerFacing?: Attribute<boolean>;
  };
  category?: Column;
  /** The subject of an opened request: column names in braces are replaced by the first row's values. */
  subject: string;
  /** A row after Closed that is not Closed: refused (the default), or the request is reopened at the row's time. */
  afterClosed: 'reject' | 'reopen';
  /** When the case was opened, resolved, closed, as the source recorded it: used where more exact than the row's time. */
  times: Partial<Record<MilestoneTime, TimeColumn>>;
}

export type MilestoneTime = 'opened' | 'resolved' | 'closed';

/** A column of times: the format and time zone are the timestamp's unless it says its own. */
export type TimeColumn = Column & { format: 'iso8601' | string; timeZone: string };

export class MappingError extends Error {
  constructor(readonly problems: string[]) {
    super(`not a valid mapping: ${problems.join('; ')}`);
  }
}

const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, verbose: true }).compile(MAPPING_SCHEMA);

/** Where in the mapping a problem is, as one would write it in JavaScript: status.values["Queued/Awaiting"]. */
function pathOf(pointer: string, last?: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (last !== undefined) segments.push(last);
  if (segments.length === 0) return 'the mapping';
  return segments
    .map((segment, index) =>
      /^\d+$/.test(segment)
        ? `[${segment}]`
        : /^[A-Za-z_$][\w$]*$/.test(segment)
          ? index === 0
            ? segment
            : `.${segment}`
          : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}

/** The schema's complaints as sentences naming where: the branches of a oneOf or an if are said once, by their parent. */
function problemsOf(errors: ErrorObject[]): string[] {
  const problems: string[] = [];
  for (const error of errors) {
    if (error.keyword === 'if' || error.schemaPath.includes('/oneOf/')) continue;
    const at = pathOf(error.instancePath);
    switch (error.keyword) {
      case 'required':
        problems.push(`${pathOf(error.instancePath, (error.params as { missingProperty: string }).missingProperty)} is required`);
        break;
      case 'additionalProperties': {
        const field = (error.params as { additionalProperty: string }).additionalProperty;
        const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {}).filter((key) => !key.startsWith('$'));
        problems.push(`${pathOf(error.instancePath, field)} is not a field of ${at} (${known.join(', ')})`);
        break;
      }
      case 'enum':
        problems.push(
          `${at}: ${JSON.stringify(error.data)} is not one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`,
        );
        break;
      case 'oneOf': {
        const allowed = (error.schema as { enum?: unknown[] }[])[0]?.enum;
        problems.push(
          error.schemaPath.includes('/rules/')
            ? `${at} must be a pattern, a list of patterns or null (no value)`
            : allowed
              ? `${at}: ${JSON.stringify(error.data)} is not one of ${allowed.join(', ')}, nor { column, values, default, missing }`
              : `${at} needs column or columns, one of them`,
        );
        break;
      }
      case 'minLength':
        problems.push(`${at} must be a non-empty string`);
        break;
      case 'minItems':
        problems.push(`${at} must list at least one column`);
        break;
      case 'pattern':
        problems.push(
          `${at}: ${JSON.stringify(error.data)} must be ${(error.parentSchema as { description?: string }).description ?? `of the pattern ${String(error.schema)}`}`,
        );
        break;
      default:
        problems.push(`${at} ${error.message ?? 'is not valid'}`);
    }
  }
  return [...new Set(problems)];
}

function target(value: string): TargetStatus | 'reject' {
  if (value === 'reject') return 'reject';
  const [status, reason] = value.split(':');
  return status === 'on_hold' ? { status, reason: reason as HoldReason } : ({ status } as TargetStatus);
}

/** Checks a mapping file's JSON against the mapping schema and what a schema cannot say, naming every problem at once. */
export function parseMapping(json: unknown): ImportMapping {
  if (!validate(json)) throw new MappingError(problemsOf(validate.errors ?? []));
  const root = json as unknown as Omit<ImportMapping, 'status' | 'afterClosed' | 'times'> & {
    afterClosed?: ImportMapping['afterClosed'];
    times?: Partial<Record<MilestoneTime, Column & { format?: string; timeZone?: string }>>;
    status: {
      column?: string;
      columns?: string[];
      values: Record<string, string>;
      rules?: { when: Record<string, string | string[] | null>; then: string }[];
      default?: string;
      missing?: string[];
    };
  };
  const problems: string[] = [];
  const timestamp = { ...root.timestamp, format: root.timestamp.format ?? 'iso8601', timeZone: root.timestamp.timeZone ?? 'UTC' };
  if (!DateTime.now().setZone(timestamp.timeZone).isValid) problems.push(`timestamp.timeZone: ${timestamp.timeZone} is not a time zone`);
  const values: Record<string, TargetStatus | 'reject'> = {};
  for (const [key, value] of Object.entries(root.status.values)) values[key] = target(value);
  const mapping: ImportMapping = {
    source: root.source,
    missing: root.missing ?? [],
    caseId: root.caseId,
    timestamp,
    status: {
      columns: root.status.columns ?? [root.status.column!],
      values,
      rules: (root.status.rules ?? []).map(({ when, then }) => ({
        when: Object.fromEntries(
          Object.entries(when).map(([column, patterns]) => [column, patterns === null ? null : ([] as string[]).concat(patterns)]),
        ),
        then: target(then),
      })),
      ...(root.status.default === undefined ? {} : { default: target(root.status.default) }),
      missing: root.status.missing,
    },
    department: root.department,
    tier: root.tier,
    agent: root.agent,
    priority: root.priority,
    requester: root.requester,
    category: root.category,
    subject: root.subject,
    afterClosed: root.afterClosed ?? 'reject',
    times: Object.fromEntries(
      (['opened', 'resolved', 'closed'] as const)
        .filter((milestone) => root.times?.[milestone])
        .map((milestone) => [milestone, { format: timestamp.format, timeZone: timestamp.timeZone, ...root.times![milestone] }]),
    ),
  };
  for (const [milestone, column] of Object.entries(mapping.times)) {
    if (!DateTime.now().setZone(column.timeZone).isValid)
      problems.push(`times.${milestone}.timeZone: ${column.timeZone} is not a time zone`);
  }
  const lists = new Map<string, string>();
  for (const { column, missing } of columnFields(mapping)) {
    if (!missing) continue;
    const list = JSON.stringify([...missing].sort());
    const other = lists.get(column);
    if (other !== undefined && other !== list) problems.push(`column "${column}" is given two different lists of missing values`);
    lists.set(column, list);
  }
  if (problems.length > 0) throw new MappingError(problems);
  return mapping;
}

/** The columns the requester's attributes are read from. */
function requesterColumns(mapping: ImportMapping): Column[] {
  const { type, kind, customerFacing, department } = mapping.requester;
  return [type, kind, customerFacing, department].filter(
    (attribute): attribute is Column => typeof attribute === 'object' && attribute !== null,
  );
}

/** Each field that reads a column, with its own missing values if it has them (the status once per column). */
function columnFields(mapping: ImportMapping): Column[] {
  return [
    { column: mapping.caseId },
    mapping.timestamp,
    ...mapping.status.columns.map((column) => ({ column, missing: mapping.status.missing })),
    mapping.department,
    mapping.priority,
    mapping.requester,
    ...requesterColumns(mapping),
    ...[mapping.tier, mapping.agent, mapping.category].filter((field): field is Column => field !== undefined),
    ...Object.values(mapping.times),
  ];
}

/**
 * Whether a column's (trimmed) value means "no value": the empty value always does, and the values its field lists
 * as missing, else the mapping's own list. A column only the subject reads goes by the mapping's list.
 */
export function missingValues(mapping: ImportMapping): (column: string, value: string) => boolean {
  const global = new Set(mapping.missing);
  const byColumn = new Map<string, Set<string>>();
  for (const { column, missing } of columnFields(mapping)) if (missing) byColumn.set(column, new Set(missing));
  return (column, value) => value === '' || (byColumn.get(column) ?? global).has(value);
}

/** Every column the mapping reads, to check them against the file's header. */
export function mappedColumns(mapping: ImportMapping): string[] {
  const columns = [
    mapping.caseId,
    mapping.timestamp.column,
    ...mapping.status.columns,
    ...mapping.status.rules.flatMap((rule) => Object.keys(rule.when)),
    mapping.department.column,
    mapping.priority.column,
    mapping.requester.column,
    ...requesterColumns(mapping).map((field) => field.column),
    mapping.tier?.column,
    mapping.agent?.column,
    mapping.category?.column,
    ...Object.values(mapping.times).map((time) => time.column),
    ...[...mapping.subject.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]),
  ];
  return [...new Set(columns.filter((column): column is string => column !== undefined))];
}

const patterns = new WeakMap<object, [RegExp, unknown][]>();

/** A pattern of a value map or a rule: * is any run of characters (none too), everything else itself. */
function globOf(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'su',
  );
}

/**
 * A source value's mapped value: the map's own entry for it ("__proto__" in the data is not a key of it), else the
 * first entry whose key is a pattern with * that matches it ("*" alone: any value not listed).
 */
export function lookUp<T>(values: Record<string, T>, value: string): T | undefined {
  if (Object.hasOwn(values, value)) return values[value];
  let compiled = patterns.get(values) as [RegExp, T][] | undefined;
  if (!compiled) {
    compiled = Object.keys(values)
      .filter((key) => key.includes('*'))
      .map((key) => [globOf(key), values[key]]);
    patterns.set(values, compiled);
  }
  return compiled.find(([pattern]) => pattern.test(value))?.[1];
}

/**
 * Where a row leaves its case: the first status rule whose columns all match, else the status columns' values joined
 * with '/' looked up in values; default (or undefined) when every status column is missing. key is the source's text.
 */
export function statusOf(
  status: ImportMapping['status'],
  cell: (column: string) => string | undefined,
): { key: string; target: TargetStatus | 'reject' | undefined } {
  const parts = status.columns.map(cell);
  const key = parts.map((part) => part ?? '').join('/');
  for (const rule of status.rules) {
    const applies = Object.entries(rule.when).every(([column, wanted]) => {
      const value = cell(column);
      if (wanted === null) return value === undefined;
      return value !== undefined && wanted.some((pattern) => pattern === value || (pattern.includes('*') && globOf(pattern).test(value)));
    });
    if (applies) return { key, target: rule.then };
  }
  if (parts.every((part) => part === undefined)) return { key, target: status.default };
  return { key, target: lookUp(status.values, key) };
}

/**
 * A timestamp in the mapping's format: ISO 8601, or a pattern such as
 * 'D/M/YYYY HH:mm' (YYYY, YY, MM, M, DD, D, HH, H, mm, ss tokens, read in
 * the mapping's time zone). Null when the value does not fit.
 */
export function parseTimestamp(value: string, format: Pick<TimeColumn, 'format' | 'timeZone'>): Date | null {
  const parsed =
    format.format === 'iso8601'
      ? DateTime.fromISO(value.trim(), { zone: format.timeZone, setZone: true })
      : DateTime.fromFormat(value.trim(), toLuxonPattern(format.format), { zone: format.timeZone });
  return parsed.isValid ? parsed.toJSDate() : null;
}

function toLuxonPattern(pattern: string): string {
  return pattern.replace(/YYYY/g, 'yyyy').replace(/YY/g, 'yy').replace(/DD/g, 'dd').replace(/D/g, 'd');
}
