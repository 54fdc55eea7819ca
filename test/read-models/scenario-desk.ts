import type { Actor, BusinessCalendar, RequestCommand, SlaTarget } from '@desk/domain';
import { DeskHistory, SYSTEM } from '@desk/application/testing/desk-history';

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

/** Weekdays 09:00–17:00 in Brussels: 08:00–16:00 UTC until the change to summer time on 29 March 2026, 07:00–15:00 UTC after. */
export const BRUSSELS_OFFICE: BusinessCalendar = {
  timeZone: 'Europe/Brussels',
  weeklyHours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, start: '09:00', end: '17:00' })),
  holidays: [],
};

/**
 * IT (every minute counts, internal targets only), a shop (Brussels office
 * hours, external targets and one internal one) and HR (no service standard);
 * employees eva (IT) and rita (shop, customer-facing), customers olga and omar.
 */
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

/** The requester of a request acting on it (rate, close, reopen, cancel). */
export const requester = (id: string): Actor => ({ id, role: 'requester' });
export const agent = (id: string): Actor => ({ id, role: 'agent' });
export { SYSTEM };

export const reply = (commentId: string, visibility: 'public' | 'internal' = 'public'): RequestCommand => ({
  type: 'AddComment',
  data: { commentId, body: `reply ${commentId}`, visibility },
});
export const hold = (reason: 'awaiting_requester' | 'awaiting_third_party'): RequestCommand => ({ type: 'PutOnHold', data: { reason } });
export const holdFor = (blockingRequestId: string): RequestCommand => ({
  type: 'PutOnHold',
  data: { reason: 'blocked_by_request', blockingRequestId },
});
export const resume: RequestCommand = { type: 'ResumeWork', data: {} };
export const close: RequestCommand = { type: 'CloseRequest', data: {} };
export const cancel: RequestCommand = { type: 'CancelRequest', data: { reason: 'no longer needed' } };
export const reopen: RequestCommand = { type: 'ReopenRequest', data: { reason: 'not fixed' } };
export const escalate: RequestCommand = { type: 'EscalateRequest', data: { reason: 'needs a specialist' } };
export const rate = (score: number, comment?: string): RequestCommand => ({
  type: 'RateSatisfaction',
  data: comment === undefined ? { score } : { score, comment },
});
export const breach = (target: 'first_response' | 'resolution'): RequestCommand => ({ type: 'RecordSlaBreach', data: { target } });
export const reprioritize = (priority: 'critical' | 'high' | 'medium' | 'low'): RequestCommand => ({
  type: 'ChangePriority',
  data: { priority, reason: 'impact reassessed' },
});
export const transfer = (toDepartmentId: string): RequestCommand => ({
  type: 'TransferRequest',
  data: { toDepartmentId, reason: 'belongs elsewhere' },
});

/** What the satisfaction follow-up process opens for a poor rating (issued as SYSTEM). */
export const followUp = (
  id: string,
  of: string,
  requesterId: string,
  departmentId: string,
  priority: 'high' | 'medium' = 'high',
): RequestCommand => ({
  type: 'OpenRequest',
  data: { requestId: id, requesterId, departmentId, subject: `follow up ${of}`, description: '', priority, followUpOf: of },
});
