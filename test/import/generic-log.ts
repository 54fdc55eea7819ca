import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMapping, type ImportMapping } from '@desk/application';
import type { RecordedEvent } from '@desk/event-store';

/** The columns of a ServiceNow-style snapshot log, a row per change of a case. */
export const GENERIC_HEADER = ['number', 'updated', 'state', 'team', 'assigned_to', 'priority', 'caller', 'tier', 'category'] as const;

export type GenericRow = Partial<Record<(typeof GENERIC_HEADER)[number], string>> & Record<string, string | undefined>;

/** A mapping of that log: "?" is the source's empty value, states map one to one unless a test says otherwise. */
export function genericMapping(overrides: Record<string, unknown> = {}): ImportMapping {
  return parseMapping(genericMappingJson(overrides));
}

export function genericMappingJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'generic',
    missing: ['?'],
    caseId: 'number',
    timestamp: { column: 'updated' },
    status: {
      column: 'state',
      values: {
        New: 'new',
        Assigned: 'assigned',
        'In Progress': 'in_progress',
        'On Hold': 'on_hold:awaiting_requester',
        Resolved: 'resolved',
        Closed: 'closed',
        Cancelled: 'cancelled',
      },
    },
    department: { column: 'team' },
    agent: { column: 'assigned_to' },
    tier: { column: 'tier', values: { L1: 'L1', L2: 'L2', L3: 'L3' } },
    priority: { column: 'priority', values: { '1': 'critical', '2': 'high', '3': 'medium', '4': 'low' } },
    requester: { column: 'caller', type: 'external', kind: 'individual' },
    category: { column: 'category' },
    subject: '{category} case',
    ...overrides,
  };
}

const quote = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** Writes the rows (a row's unset columns are the source's "?") under the header. */
export function writeGenericLog(dir: string, rows: GenericRow[], header: readonly string[] = GENERIC_HEADER): string {
  const file = join(dir, `log-${Math.random().toString(36).slice(2)}.csv`);
  const defaults: GenericRow = { team: 'Service Desk', priority: '3', caller: 'Ann Smith', tier: 'L1', category: 'Email' };
  const lines = rows.map((row) =>
    header.map((column) => quote((row as Record<string, string>)[column] ?? defaults[column as keyof GenericRow] ?? '?')).join(','),
  );
  writeFileSync(file, [header.join(','), ...lines].join('\n') + '\n');
  return file;
}

/** The stream's events as [type, time] pairs, the time as the log wrote it (UTC). */
export function typesAndTimes(events: readonly RecordedEvent[]): [string, string][] {
  return events.map((event) => [event.type, String(event.metadata.occurredAt)]);
}
