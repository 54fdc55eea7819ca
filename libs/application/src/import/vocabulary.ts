export { HOLD_REASONS, PRIORITIES, TIERS, type HoldReason, type Priority, type Tier } from '@desk/domain';
import { EXTERNAL_CUSTOMER_KINDS, INTERNAL_CUSTOMER_KINDS } from '@desk/domain';

export const CUSTOMER_KINDS_BY_TYPE: Record<'internal' | 'external', readonly string[]> = {
  internal: INTERNAL_CUSTOMER_KINDS,
  external: EXTERNAL_CUSTOMER_KINDS,
};
