import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { LAST_EVENT } from './cases';
import type { CommandLoad } from './command-load';

/** A request the follow-up process opened for a poor rating. */
export interface FollowUp {
  requestId: string;
  followUpOf: string;
  departmentId: string;
}

export interface LogAudit {
  logEvents: number;
  /** Acknowledged commands found at the position they answered, and those not found. */
  found: number;
  lost: number;
  gaps: number;
  typesByActor: Map<string, number>;
  followUps: FollowUp[];
}

/**
 * Nothing lost: the whole log, read as an analyst exports it (GET /events), holds every acknowledged command's
 * last event at the position it answered, gap-free streams, nothing the load did not send, and one follow-up per
 * poor rating. What is wrong is pushed onto `problems`.
 */
export async function auditLog(url: string, analyst: string, load: CommandLoad, problems: string[]): Promise<LogAudit> {
  const { acks, cases, poorRatings, uncertainImpactCommands } = load;
  const byPosition = new Map(acks.map((ack) => [ack.position, ack]));
  const streams = new Map<string, { next: bigint; gaps: number; lastOurs: bigint; count: number }>();
  const typesByActor = new Map<string, number>();
  const followUps: { requestId: string; followUpOf: string; departmentId: string }[] = [];
  let logEvents = 0;
  let found = 0;
  let exportError: string | undefined;
  const eventsAnswer = await fetch(`${url}/events`, { headers: { authorization: `Bearer ${analyst}` } });
  if (eventsAnswer.status !== 200) exportError = `GET /events: ${eventsAnswer.status}`;
  else {
    const lines = createInterface({ input: Readable.fromWeb(eventsAnswer.body as never) });
    for await (const line of lines) {
      if (!line) continue;
      const event = JSON.parse(line) as {
        position: string;
        streamId: string;
        revision: string;
        type: string;
        data: Record<string, unknown>;
        metadata: { actor?: string };
        error?: string;
      };
      if (event.error) {
        exportError = event.error;
        break;
      }
      logEvents++;
      const actor = String(event.metadata.actor ?? '');
      const system = actor.startsWith('system:');
      const key = `${system ? actor : 'load'} ${event.type}`;
      typesByActor.set(key, (typesByActor.get(key) ?? 0) + 1);
      const stream = streams.get(event.streamId) ?? { next: 0n, gaps: 0, lastOurs: -1n, count: 0 };
      if (BigInt(event.revision) !== stream.next) stream.gaps++;
      stream.next = BigInt(event.revision) + 1n;
      stream.count++;
      if (!system) stream.lastOurs = BigInt(event.revision);
      streams.set(event.streamId, stream);
      if (event.type === 'RequestOpened' && typeof event.data.followUpOf === 'string') {
        followUps.push({
          requestId: String(event.data.requestId),
          followUpOf: event.data.followUpOf,
          departmentId: String(event.data.departmentId),
        });
      }
      const ack = byPosition.get(event.position);
      if (ack) {
        if (ack.streamId !== event.streamId || ack.revision !== event.revision || !LAST_EVENT[ack.kind].includes(event.type)) {
          problems.push(
            `position ${event.position}: ${event.streamId}@${event.revision} ${event.type}, answered as ${ack.streamId}@${ack.revision} (${ack.kind})`,
          );
        } else found++;
      }
    }
  }
  if (exportError) problems.push(`the export: ${exportError}`);
  const lost = acks.length - found;
  if (lost > 0) problems.push(`${lost} acknowledged commands have no event at the position they answered`);
  let extra = 0;
  for (const c of cases) {
    if (c.uncertain || c.revision === null) continue;
    const stream = streams.get(`request-${c.id}`);
    if (!stream || stream.lastOurs !== BigInt(c.revision)) {
      extra++;
      if (extra <= 5)
        problems.push(
          `request-${c.id}: the last event the load caused is at revision ${stream?.lastOurs}, its last answer said ${c.revision}`,
        );
    }
  }
  const gaps = [...streams.values()].reduce((sum, s) => sum + s.gaps, 0);
  if (gaps > 0) problems.push(`${gaps} gaps in stream revisions`);
  const impactGraph = streams.get('impact-graph');
  const impactAcks = acks.filter((a) => a.streamId === 'impact-graph').length;
  const impactEvents = impactGraph?.count ?? 0;
  if (impactEvents < impactAcks || impactEvents > impactAcks + uncertainImpactCommands) {
    problems.push(
      `impact-graph holds ${impactEvents} events, ${impactAcks} links and unlinks were answered (${uncertainImpactCommands} failed)`,
    );
  }
  const uncertainIds = new Set(cases.filter((c) => c.uncertain).map((c) => c.id));
  const expectedFollowUps = new Set(poorRatings.map((r) => r.requestId));
  const followedUp = followUps.filter((f) => !uncertainIds.has(f.followUpOf));
  if (followedUp.length !== expectedFollowUps.size || followedUp.some((f) => !expectedFollowUps.has(f.followUpOf))) {
    problems.push(
      `${followedUp.length} follow-ups opened for ${expectedFollowUps.size} poor ratings (${followUps.length - followedUp.length} more for requests with a failed command)`,
    );
  }
  return { logEvents, found, lost, gaps, typesByActor, followUps };
}
