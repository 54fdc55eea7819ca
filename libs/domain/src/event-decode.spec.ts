import {
  decodeAggregateEvent,
  decodeEvent,
  EVENT_AGGREGATES,
  EVENT_SCHEMA_VERSIONS,
  EVENT_TYPES,
  eventTypesOf,
  UndecodableEventError,
  UPCASTERS,
} from './event-catalog';

const assigned = { type: 'RequestAssigned', data: { requestId: 'r-1', agentId: 'ann', previousAgentId: null } };

describe('reading events from the log', () => {
  it('has an upcaster for every version below each event type’s current one, and none beyond it', () => {
    for (const type of EVENT_TYPES) {
      const steps = Object.keys(UPCASTERS[type] ?? {}).map(Number);
      const expected = Array.from({ length: EVENT_SCHEMA_VERSIONS[type] - 1 }, (_, i) => i + 1);
      expect([type, steps.sort((a, b) => a - b)]).toEqual([type, expected]);
    }
  });

  it('gives every event type an aggregate, and each aggregate its own types', () => {
    expect(Object.keys(EVENT_AGGREGATES).sort()).toEqual([...EVENT_TYPES].sort());
    expect(eventTypesOf('impact')).toEqual(['ImpactLinked', 'ImpactUnlinked']);
    expect(eventTypesOf('department')).toEqual(['DepartmentRegistered', 'ServiceStandardPublished']);
  });

  it('reads an event of the current version as it is, and one without a version as version 1', () => {
    const current = EVENT_SCHEMA_VERSIONS.RequestAssigned;
    expect(decodeEvent({ ...assigned, schemaVersion: current })).toEqual(assigned);
    if (current === 1) expect(decodeEvent(assigned)).toEqual(assigned);
  });

  it('refuses what it cannot read, saying why', () => {
    const refused = (stored: Parameters<typeof decodeEvent>[0], why: string) => {
      expect(() => decodeEvent(stored)).toThrow(UndecodableEventError);
      expect(() => decodeEvent(stored)).toThrow(why);
    };
    refused({ type: 'RequestDeleted', data: {} }, "'RequestDeleted' is not an event type of the desk");
    refused({ type: 'constructor', data: {} }, 'not an event type');
    refused({ ...assigned, schemaVersion: 99 }, 'newer than this code reads');
    refused({ ...assigned, schemaVersion: 0 }, 'a whole number from 1');
    refused({ ...assigned, schemaVersion: '1' }, 'a whole number from 1');
    refused({ type: 'RequestAssigned', data: null, schemaVersion: 1 }, 'no data object');
  });

  it('refuses an event of another aggregate in an aggregate’s stream', () => {
    expect(decodeAggregateEvent('request', assigned)).toEqual(assigned);
    expect(() => decodeAggregateEvent('impact', assigned)).toThrow('RequestAssigned is an event of the request aggregate, not of the impact');
  });
});
