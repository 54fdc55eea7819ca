import type { LogPosition } from '@desk/event-store';
import type { ProjectionStatus } from '@desk/read-models';
import type { CommandOutcome } from '../observability/desk-metrics';
import type { RebuildOutcome, RebuildStatus } from '../read-side';

/** What the projections' worker tells of its read side: enough to answer /admin/projections, /health/ready and /metrics. */
export interface ReadSideSnapshot {
  statuses: ProjectionStatus[];
  rebuilds: Record<string, RebuildStatus | null>;
  lastRebuilds: Record<string, RebuildOutcome | null>;
}

/** An operator's action, taken by the worker's read side. */
export type WorkerAction =
  { id: number; type: 'rebuild'; name: string } | { id: number; type: 'resolveFault'; name: string; action: 'retry' | 'skip' };

/** `appended`: the API's thread committed to the log (once per turn of its loop however many commands). */
export type ToWorker = WorkerAction | { type: 'appended' } | { type: 'stop' };

/** An error of an action, as it crosses threads: its class does not, so what the HTTP mapping reads of it is carried. */
export interface ActionError {
  message: string;
  /** A ProjectionActionRefusedError (404 or 409), and whether for lack of a projection of that name. */
  refused: boolean;
  unknownProjection: boolean;
  /** The store's error code (SQLITE_FULL, a SQLSTATE…): a store failure is still answered as one. */
  code?: string;
}

export type FromWorker =
  /** The read side has started: the read models are prepared, as an API running them in its loop has them before it listens. */
  | { type: 'ready'; snapshot: ReadSideSnapshot }
  /** Checkpoints committed since the last word, sent once per turn of the worker's loop. */
  | { type: 'advanced'; checkpoints: [string, LogPosition][] }
  /** The commands the worker's processes made since the last word (the SLA watch's, the follow-up's), for the API's metrics. */
  | { type: 'commands'; observed: [command: string, outcome: CommandOutcome, seconds: number][] }
  | { type: 'snapshot'; snapshot: ReadSideSnapshot }
  | { type: 'reply'; id: number; snapshot: ReadSideSnapshot; value: ProjectionStatus | null; error?: ActionError }
  | { type: 'stopped'; snapshot: ReadSideSnapshot };
