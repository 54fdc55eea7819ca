import type { Random } from '../support/seeded-random';
import type { Priority } from './desk';

/** The requests the soak works, the commands each goes through, and what their answers acknowledged. */

export type StepKind =
  | 'open'
  | 'link'
  | 'unlink'
  | 'transfer'
  | 'reply'
  | 'note'
  | 'assign'
  | 'reassign'
  | 'start'
  | 'hold'
  | 'resume'
  | 'priority'
  | 'escalate'
  | 'compensate'
  | 'resolve'
  | 'reopen'
  | 'rate'
  | 'close'
  | 'cancel';

export interface Case {
  id: string;
  audience: 'internal' | 'external';
  requesterId: string;
  departmentId: string;
  status: string;
  priority: Priority;
  assigneeId: string | null;
  steps: StepKind[];
  next: number;
  /** The effect request this one blocks, while linked. */
  effectId: string | null;
  rating: number | null;
  revision: string | null;
  position: string | null;
  /** A command of it failed: what it looks like now is unknown, so the final comparison leaves it out. */
  uncertain: boolean;
}

/** A command's answer: where its last event is in the log. */
export interface Ack {
  kind: StepKind;
  streamId: string;
  revision: string;
  position: string;
}

/** A poor rating the follow-up process must answer with a request of its own. */
export interface PoorRating {
  requestId: string;
  departmentId: string;
}

/** The commands of one request, in an order its lifecycle allows. */
export function plan(random: Random, audience: 'internal' | 'external'): StepKind[] {
  const maybe = (p: number, ...steps: StepKind[]) => (random() < p ? steps : []);
  if (audience === 'internal' && random() < 0.05) return ['open', ...maybe(0.5, 'reply'), 'cancel'];
  const linked = audience === 'internal' && random() < 0.3;
  return [
    'open',
    ...(linked ? (['link'] as StepKind[]) : []),
    ...maybe(audience === 'internal' ? 0.1 : 0, 'transfer'),
    ...maybe(0.7, 'reply'),
    'assign',
    ...maybe(0.15, 'reassign'),
    'start',
    ...maybe(0.25, 'hold', 'resume'),
    ...maybe(0.1, 'priority'),
    ...maybe(0.1, 'escalate'),
    ...maybe(0.4, 'note'),
    ...maybe(audience === 'external' ? 0.15 : 0, 'compensate'),
    ...(linked ? maybe(0.3, 'unlink') : []),
    'resolve',
    ...maybe(0.08, 'reopen', 'resolve'),
    ...maybe(0.5, 'rate'),
    'close',
  ];
}

/** What each command's last event is, to find it in the log. */
export const LAST_EVENT: Record<StepKind, string[]> = {
  open: ['RequestOpened'],
  link: ['ImpactLinked'],
  unlink: ['ImpactUnlinked'],
  transfer: ['RequestTransferred'],
  reply: ['CommentAdded', 'FirstResponseGiven'],
  note: ['CommentAdded'],
  assign: ['RequestAssigned'],
  reassign: ['RequestAssigned'],
  start: ['RequestWorkStarted'],
  hold: ['RequestPutOnHold'],
  resume: ['RequestResumed'],
  priority: ['RequestPriorityChanged'],
  escalate: ['RequestEscalated'],
  compensate: ['CompensationOffered'],
  resolve: ['RequestResolved'],
  reopen: ['RequestReopened'],
  rate: ['SatisfactionRated'],
  close: ['RequestClosed'],
  cancel: ['RequestCancelled'],
};
