import type { RecordedEvent } from '@desk/event-store';
import { dumpReadModels, project } from '../../read-models/support/read-model-backends';
import type { DeskBackend } from '../../support/desk-backends';
import type { Acknowledgement, Step } from './lifecycle-workload';

/**
 * What must hold of the log after any crash, as a list of violations (empty when all hold):
 * - positions strictly increase and every stream's revisions run 0, 1, 2… with no gap;
 * - each step the log holds was written by one command execution (one causation id), as one run of
 *   its stream, with exactly the event types its command appends: never torn, never twice;
 * - every acknowledged step is there, ending at the revision and position its answer gave;
 * - every step the log holds was sent by the workload (nothing appeared that nobody asked for).
 */
export function auditLog(
  events: readonly RecordedEvent[],
  sent: ReadonlyMap<string, Step>,
  acknowledged: { step: Step; answer: Acknowledgement }[],
): string[] {
  const violations: string[] = [];
  const revisions = new Map<string, bigint>();
  let lastPosition = 0n;
  const byKey = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (event.position <= lastPosition) violations.push(`position ${event.position} follows ${lastPosition}`);
    lastPosition = event.position;
    const expected = (revisions.get(event.streamId) ?? -1n) + 1n;
    if (event.revision !== expected) violations.push(`${event.streamId} has revision ${event.revision} where ${expected} was due`);
    revisions.set(event.streamId, event.revision);
    // The API scopes a key to the token's role and subject: "<role><separator><subject><separator><key>".
    const scoped = event.metadata.idempotencyKey as string | undefined;
    if (scoped) {
      // eslint-disable-next-line no-control-regex -- the separator is a control character (U+001F, U+0000 before the fix) because no subject may hold one
      const [subject, key] = scoped.split(/[\u0000\u001f]/).slice(-2);
      byKey.set(`${subject} ${key}`, [...(byKey.get(`${subject} ${key}`) ?? []), event]);
    }
  }

  for (const [scoped, written] of byKey) {
    const [subject, key] = scoped.split(' ');
    const step = sent.get(key);
    if (!step || step.as.sub !== subject) {
      violations.push(`the log holds events of key ${key}, which no client sent`);
      continue;
    }
    const causations = new Set(written.map((event) => event.metadata.causationId));
    if (causations.size !== 1) violations.push(`${key} was executed ${causations.size} times`);
    const types = written.map((event) => event.type);
    if (types.join() !== step.expectedTypes.join())
      violations.push(`${key} wrote [${types}] where its command appends [${step.expectedTypes}]`);
    if (written.some((event) => event.streamId !== step.streamId)) violations.push(`${key} wrote outside ${step.streamId}`);
    const contiguous = written.every((event, index) => index === 0 || event.revision === written[index - 1].revision + 1n);
    if (!contiguous) violations.push(`${key}'s events are not one run of ${step.streamId}`);
  }

  for (const { step, answer } of acknowledged) {
    const written = byKey.get(`${step.as.sub} ${step.key}`);
    if (!written) {
      violations.push(`${step.key} was acknowledged (revision ${answer.revision}) but is not in the log`);
      continue;
    }
    const last = written[written.length - 1];
    if (String(last.revision) !== answer.revision || String(last.position) !== answer.position) {
      violations.push(
        `${step.key} was acknowledged at ${answer.revision}@${answer.position}, the log has it at ${last.revision}@${last.position}`,
      );
    }
  }
  return violations;
}

/** The process-made follow-ups: one request per rating of 1 or 2, never two. */
export function auditFollowUps(events: readonly RecordedEvent[]): string[] {
  const poor = events.filter((event) => event.type === 'SatisfactionRated' && Number(event.data.score) <= 2).map((event) => event.streamId);
  const followUps = events
    .filter((event) => event.type === 'RequestOpened' && event.data.followUpOf)
    .map((event) => String(event.data.followUpOf));
  const violations: string[] = [];
  const counts = new Map<string, number>();
  for (const rated of followUps) counts.set(rated, (counts.get(rated) ?? 0) + 1);
  for (const stream of poor) {
    const rated = stream.replace(/^request-/, '');
    if (counts.get(rated) !== 1) violations.push(`the poor rating of ${rated} has ${counts.get(rated) ?? 0} follow-ups`);
  }
  return violations;
}

/** The read models the desk's processes built against a fresh projection of the same log (what a rebuild from zero gives). */
export async function readModelsAgainstFreshBuild(backend: DeskBackend, events: readonly RecordedEvent[]) {
  const built = await backend.openReadModels();
  const fresh = await backend.openFreshReadModels();
  try {
    await project(fresh, events);
    return { actual: await dumpReadModels(built), expected: await dumpReadModels(fresh) };
  } finally {
    await built.close();
    await fresh.close();
  }
}
