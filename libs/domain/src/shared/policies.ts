import { COMPENSATION_AMOUNT } from './validation';

/** What requesters may say of their request's priority: their urgency alone (the desk judges impact), or anything staff may. */
export const REQUESTER_PRIORITY_POLICIES = ['urgency', 'any'] as const;
export type RequesterPriorityPolicy = (typeof REQUESTER_PRIORITY_POLICIES)[number];

/**
 * The rules a desk's owner sets (REQUESTER_PRIORITY, COMPENSATION_MAX_PER_OFFER), passed to every decision. The
 * defaults are the safe ones: a requester who could pick "critical" would jump every queue, and an agent who could
 * offer any sum would need no one's trust.
 */
export interface DeskPolicies {
  requesterPriority: RequesterPriorityPolicy;
  /**
   * The largest amount one compensation offer may carry, by ISO 4217 currency; `*` for every currency not named.
   * A currency neither named nor covered by `*` is not offered at all.
   */
  compensationMaxPerOffer: Readonly<Record<string, number>>;
}

export const DEFAULT_DESK_POLICIES: DeskPolicies = {
  requesterPriority: 'urgency',
  compensationMaxPerOffer: { '*': 1_000 },
};

/**
 * COMPENSATION_MAX_PER_OFFER as an operator writes it: one amount for every currency ("500"), or amounts by
 * currency ("EUR:500,USD:550,JPY:80000"), with `*` for the others ("EUR:500,*:300"). Throws what is wrong, as a
 * sentence to follow the variable's name.
 */
export function parseCompensationMaxPerOffer(text: string): Record<string, number> {
  const amount = (value: string, what: string) => {
    // Decimal digits only: Number() would also read '0x10', '1e3' or ' ' as amounts.
    const number = /^\d+(\.\d{1,2})?$/.test(value) ? Number(value) : Number.NaN;
    if (!(number <= COMPENSATION_AMOUNT.max)) {
      throw new Error(`${what} must be an amount from 0 to ${COMPENSATION_AMOUNT.max} with at most 2 decimals, got '${value}'`);
    }
    return number;
  };
  const trimmed = text.trim();
  if (!trimmed.includes(':')) return { '*': amount(trimmed, 'must be an amount or CURRENCY:AMOUNT pairs:') };
  const limits: Record<string, number> = {};
  for (const part of trimmed.split(',')) {
    const [currency, value, ...rest] = part.split(':').map((piece) => piece.trim());
    if (rest.length > 0 || value === undefined || !(currency === '*' || /^[A-Z]{3}$/.test(currency))) {
      throw new Error(`must be CURRENCY:AMOUNT pairs (a 3-letter ISO 4217 code, or * for the others), got '${part.trim()}'`);
    }
    if (currency in limits) throw new Error(`names ${currency} twice`);
    limits[currency] = amount(value, `for ${currency}`);
  }
  return limits;
}
