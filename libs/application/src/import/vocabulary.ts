export { HOLD_REASONS, PRIORITIES, TIERS, type HoldReason, type Priority, type Tier } from '@desk/domain';
