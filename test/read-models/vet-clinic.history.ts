import type { SlaTarget } from '@desk/domain';
import { DeskHistory } from '@desk/application/testing/desk-history';
import { IT_STANDARD } from './scenario-desk';

/**
 * SPEC §2's example: a veterinary clinic's phone system breaks. The
 * receptionists (customer-facing, IT's internal customers) raise it with IT;
 * pet owners cannot call to book appointments, and their requests to the
 * front desk are blocked by it. A network switch upstream blocks the phones.
 */
export const FRONT_DESK_TARGETS: SlaTarget[] = [
  { priority: 'high', audience: 'external', firstResponseMinutes: 15, resolutionMinutes: 120 },
  { priority: 'medium', audience: 'external', firstResponseMinutes: 30, resolutionMinutes: 240 },
];

export function vetClinic(): DeskHistory {
  const history = new DeskHistory('2026-03-02T09:00:00.000Z')
    .department('it', 'IT', IT_STANDARD)
    .department('front-desk', 'Front desk', FRONT_DESK_TARGETS)
    .internalCustomer('rec-rita', 'front-desk', true)
    .internalCustomer('emp-eva', 'it')
    .externalCustomer('owner-olga')
    .externalCustomer('owner-omar');
  history
    .open('it-phones', 'rec-rita', 'it', { subject: 'Phone system down', priority: 'medium' })
    .open('it-laptop', 'emp-eva', 'it', { subject: 'Laptop slow', priority: 'medium' })
    .advance(5)
    .open('appt-1', 'owner-olga', 'front-desk', { subject: 'Cannot book an appointment', priority: 'high' })
    .open('appt-2', 'owner-omar', 'front-desk', { subject: 'Cannot reach the clinic', priority: 'high' })
    .advance(5)
    .open('appt-3', 'owner-olga', 'front-desk', { subject: 'Rebook the vaccination', priority: 'medium' })
    .open('it-switch', 'emp-eva', 'it', { subject: 'Network switch failing', priority: 'low' })
    .link('it-phones', 'appt-1')
    .link('it-phones', 'appt-2')
    .link('it-phones', 'appt-3', 'degrades')
    .link('it-switch', 'it-phones');
  return history;
}
