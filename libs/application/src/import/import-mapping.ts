import { DateTime } from 'luxon';
import { CUSTOMER_KINDS_BY_TYPE, HOLD_REASONS, PRIORITIES, TIERS, type HoldReason, type Priority, type Tier } from './vocabulary';

/** Where a request stands after a row: a lifecycle status, holds with their reason. */
export type TargetStatus =
  { status: 'new' | 'assigned' | 'in_progress' | 'resolved' | 'closed' | 'cancelled' } | { status: 'on_hold'; reason: HoldReason };

/**
 * How the columns of another desk's CSV event log map onto this desk. Each
 * row is a snapshot of a case after a change; see mappings/ for examples.
 */
export interface ImportMapping {
  /** Names the source in event metadata and import actor ids (letters, digits, - _ .). */
  source: string;
  caseId: string;
  timestamp: { column: string; format: 'iso8601' | string; timeZone: string };
  /** One column, or several joined with '/', looked up in values. */
  status: { columns: string[]; values: Record<string, TargetStatus | 'reject'> };
  department: { column: string };
  tier?: { column: string; values: Record<string, Tier> };
  agent?: { column: string };
  priority: { column: string; values: Record<string, Priority> };
  requester:
    | { column: string; type: 'internal'; kind: string; departmentId: string; departmentName: string }
    | { column: string; type: 'external'; kind: string };
  category?: { column: string };
  /** The subject of an opened request: column names in braces are replaced by the first row's values. */
  subject: string;
}

export class MappingError extends Error {
  constructor(readonly problems: string[]) {
    super(`not a valid mapping: ${problems.join('; ')}`);
  }
}

const STATUS_WORDS = ['new', 'assigned', 'in_progress', 'resolved', 'closed', 'cancelled', 'reject'];

/** Checks a mapping file's JSON, naming every problem at once. */
export function parseMapping(json: unknown): ImportMapping {
  const problems: string[] = [];
  const object = (value: unknown, path: string): Record<string, unknown> => {
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    problems.push(`${path} must be an object`);
    return {};
  };
  const text = (value: unknown, path: string): string => {
    if (typeof value === 'string' && value.trim() !== '') return value;
    problems.push(`${path} must be a non-empty string`);
    return '';
  };
  const root = object(json, 'the mapping');
  const known = [
    'source',
    'caseId',
    'timestamp',
    'status',
    'department',
    'tier',
    'agent',
    'priority',
    'requester',
    'category',
    'subject',
    '$comment',
  ];
  for (const key of Object.keys(root))
    if (!known.includes(key)) problems.push(`${key} is not a field of a mapping (${known.slice(0, -1).join(', ')})`);

  const source = text(root.source, 'source');
  if (source && !/^[A-Za-z0-9._-]{1,40}$/.test(source)) problems.push('source must be 1–40 letters, digits or . _ -');
  const caseId = text(root.caseId, 'caseId');

  const timestampField = object(root.timestamp, 'timestamp');
  const timestamp = {
    column: text(timestampField.column, 'timestamp.column'),
    format: typeof timestampField.format === 'string' ? timestampField.format : 'iso8601',
    timeZone: typeof timestampField.timeZone === 'string' ? timestampField.timeZone : 'UTC',
  };
  if (!DateTime.now().setZone(timestamp.timeZone).isValid) problems.push(`timestamp.timeZone: ${timestamp.timeZone} is not a time zone`);

  const statusField = object(root.status, 'status');
  const columns = Array.isArray(statusField.columns) ? statusField.columns : [statusField.column];
  const statusColumns = columns.map((column, index) => text(column, `status.columns[${index}]`));
  const values: Record<string, TargetStatus | 'reject'> = {};
  for (const [key, raw] of Object.entries(object(statusField.values, 'status.values'))) {
    const value = typeof raw === 'string' ? raw : '';
    const [word, reason] = value.split(':');
    if (word === 'on_hold' && (HOLD_REASONS as readonly string[]).includes(reason))
      values[key] = { status: 'on_hold', reason: reason as HoldReason };
    else if (STATUS_WORDS.includes(value)) values[key] = value === 'reject' ? 'reject' : ({ status: value } as TargetStatus);
    else
      problems.push(
        `status.values["${key}"]: ${JSON.stringify(raw)} is not one of ${STATUS_WORDS.join(', ')}, on_hold:<${HOLD_REASONS.join('|')}>`,
      );
  }

  const enumValues = <T extends string>(field: Record<string, unknown>, path: string, allowed: readonly T[]): Record<string, T> => {
    const result: Record<string, T> = {};
    for (const [key, raw] of Object.entries(object(field.values, `${path}.values`))) {
      if ((allowed as readonly unknown[]).includes(raw)) result[key] = raw as T;
      else problems.push(`${path}.values["${key}"]: ${JSON.stringify(raw)} is not one of ${allowed.join(', ')}`);
    }
    return result;
  };
  const priorityField = object(root.priority, 'priority');
  const priority = { column: text(priorityField.column, 'priority.column'), values: enumValues(priorityField, 'priority', PRIORITIES) };
  const tier =
    root.tier === undefined
      ? undefined
      : (() => {
          const field = object(root.tier, 'tier');
          return { column: text(field.column, 'tier.column'), values: enumValues(field, 'tier', TIERS) };
        })();
  const agent = root.agent === undefined ? undefined : { column: text(object(root.agent, 'agent').column, 'agent.column') };
  const category = root.category === undefined ? undefined : { column: text(object(root.category, 'category').column, 'category.column') };

  const requesterField = object(root.requester, 'requester');
  const requesterType = requesterField.type;
  const kind = text(requesterField.kind, 'requester.kind');
  let requester: ImportMapping['requester'];
  if (requesterType === 'internal') {
    requester = {
      column: text(requesterField.column, 'requester.column'),
      type: 'internal',
      kind,
      departmentId: text(requesterField.departmentId, 'requester.departmentId'),
      departmentName: text(requesterField.departmentName, 'requester.departmentName'),
    };
  } else {
    if (requesterType !== 'external') problems.push('requester.type must be internal or external');
    requester = { column: text(requesterField.column, 'requester.column'), type: 'external', kind };
  }
  if (kind && requesterType && !CUSTOMER_KINDS_BY_TYPE[requesterType === 'internal' ? 'internal' : 'external'].includes(kind)) {
    problems.push(`requester.kind: ${kind} is not a kind of ${String(requesterType)} customer`);
  }

  const department = { column: text(object(root.department, 'department').column, 'department.column') };
  const subject = text(root.subject, 'subject');
  if (problems.length > 0) throw new MappingError(problems);
  return {
    source,
    caseId,
    timestamp,
    status: { columns: statusColumns, values },
    department,
    tier,
    agent,
    priority,
    requester,
    category,
    subject,
  };
}

/** Every column the mapping reads, to check them against the file's header. */
export function mappedColumns(mapping: ImportMapping): string[] {
  const columns = [
    mapping.caseId,
    mapping.timestamp.column,
    ...mapping.status.columns,
    mapping.department.column,
    mapping.priority.column,
    mapping.requester.column,
    mapping.tier?.column,
    mapping.agent?.column,
    mapping.category?.column,
    ...[...mapping.subject.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]),
  ];
  return [...new Set(columns.filter((column): column is string => column !== undefined))];
}

/**
 * A timestamp in the mapping's format: ISO 8601, or a pattern such as
 * 'D/M/YYYY HH:mm' (YYYY, YY, MM, M, DD, D, HH, H, mm, ss tokens, read in
 * the mapping's time zone). Null when the value does not fit.
 */
export function parseTimestamp(value: string, format: ImportMapping['timestamp']): Date | null {
  const parsed =
    format.format === 'iso8601'
      ? DateTime.fromISO(value.trim(), { zone: format.timeZone, setZone: true })
      : DateTime.fromFormat(value.trim(), toLuxonPattern(format.format), { zone: format.timeZone });
  return parsed.isValid ? parsed.toJSDate() : null;
}

function toLuxonPattern(pattern: string): string {
  return pattern.replace(/YYYY/g, 'yyyy').replace(/YY/g, 'yy').replace(/DD/g, 'dd').replace(/D/g, 'd');
}
