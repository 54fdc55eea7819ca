import type { BusinessCalendar, SlaTarget } from '@desk/domain';
import { DeskHistory } from '@desk/read-models/testing/desk-history';

/** Monday 2 March 2026, 08:00 UTC (09:00 in Brussels, before the change to summer time). */
export const MONDAY_8 = '2026-03-02T08:00:00.000Z';

export const IT_STANDARD: SlaTarget[] = [
  { priority: 'critical', audience: 'internal', firstResponseMinutes: 15, resolutionMinutes: 120 },
  { priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 240 },
  { priority: 'medium', audience: 'internal', firstResponseMinutes: 60, resolutionMinutes: 480 },
  { priority: 'low', audience: 'internal', firstResponseMinutes: 240, resolutionMinutes: 2400 },
];

export const SHOP_STANDARD: SlaTarget[] = [
  { priority: 'high', audience: 'external', firstResponseMinutes: 60, resolutionMinutes: 240 },
  { priority: 'medium', audience: 'external', firstResponseMinutes: 120, resolutionMinutes: 960 },
  { priority: 'medium', audience: 'internal', firstResponseMinutes: 120, resolutionMinutes: 960 },
];

/** Weekdays 09:00–17:00 in Brussels. */
export const BRUSSELS_OFFICE: BusinessCalendar = {
  timeZone: 'Europe/Brussels',
  weeklyHours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, start: '09:00', end: '17:00' })),
  holidays: [],
};

/** IT (every minute counts, internal targets) and a shop (Brussels office hours, external targets); two employees, two customers. */
export function desk(): DeskHistory {
  return new DeskHistory(MONDAY_8)
    .department('it', 'IT', IT_STANDARD)
    .department('shop', 'Shop', SHOP_STANDARD, BRUSSELS_OFFICE)
    .department('hr', 'HR')
    .internalCustomer('eva', 'it')
    .internalCustomer('rita', 'shop', true)
    .externalCustomer('olga')
    .externalCustomer('omar');
}
