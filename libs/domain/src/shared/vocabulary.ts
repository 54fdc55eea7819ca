/** The closed vocabularies of the product, as const arrays so validation and types share one source. */

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const LEVELS = ['high', 'medium', 'low'] as const;
/** Impact (how much is affected) and urgency (how soon it hurts), for priority = impact × urgency. */
export type Level = (typeof LEVELS)[number];

export const AUDIENCES = ['internal', 'external'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const INTERNAL_CUSTOMER_KINDS = ['employee', 'temporary', 'contractor', 'owner', 'shareholder'] as const;
export const EXTERNAL_CUSTOMER_KINDS = ['individual', 'business', 'government', 'nonprofit'] as const;
export type InternalCustomerKind = (typeof INTERNAL_CUSTOMER_KINDS)[number];
export type ExternalCustomerKind = (typeof EXTERNAL_CUSTOMER_KINDS)[number];
export type CustomerKind = InternalCustomerKind | ExternalCustomerKind;

export const REQUEST_STATUSES = ['new', 'assigned', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const HOLD_REASONS = ['awaiting_requester', 'awaiting_third_party', 'blocked_by_request'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export const TIERS = ['L1', 'L2', 'L3'] as const;
export type Tier = (typeof TIERS)[number];

export const CHANNELS = ['portal', 'email', 'phone', 'chat', 'walk_in', 'api', 'import'] as const;
export type Channel = (typeof CHANNELS)[number];

export const VISIBILITIES = ['public', 'internal'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const IMPACT_RELATIONS = ['blocks', 'degrades'] as const;
export type ImpactRelation = (typeof IMPACT_RELATIONS)[number];

export const COMPENSATION_KINDS = ['refund', 'credit', 'discount', 'replacement', 'gift', 'other'] as const;
export type CompensationKind = (typeof COMPENSATION_KINDS)[number];

export const SLA_TARGETS = ['first_response', 'resolution'] as const;
export type SlaTargetKind = (typeof SLA_TARGETS)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Ids become stream names: letters, digits and . _ : - only, 1 to 128 characters. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
