import { EVENT_SCHEMA_VERSIONS, EVENT_TYPES } from './event-catalog';
import * as domain from './index';

describe('the event catalog', () => {
  it('versions every event type: at 1, but for the two that record what the SLA clock decided', () => {
    expect(EVENT_TYPES).toHaveLength(28);
    expect(Object.entries(EVENT_SCHEMA_VERSIONS).filter(([, version]) => version !== 1)).toEqual([
      ['RequestResolved', 2],
      ['FirstResponseGiven', 2],
    ]);
  });

  it('names streams after their aggregate', () => {
    expect(domain.requestStream('r-1')).toBe('request-r-1');
    expect(domain.departmentStream('it')).toBe('department-it');
    expect(domain.customerStream('c-1')).toBe('customer-c-1');
    expect(domain.IMPACT_GRAPH_STREAM).toBe('impact-graph');
  });

  it('exports the deciders and their lookups from the package root', () => {
    for (const decider of [domain.requestDecider, domain.departmentDecider, domain.customerDecider, domain.impactDecider]) {
      expect(decider).toMatchObject({ decide: expect.any(Function), evolve: expect.any(Function), initialState: { status: 'absent' } });
    }
    expect(domain.requestLookups).toEqual(expect.any(Function));
    expect(domain.customerLookups).toEqual(expect.any(Function));
    expect(domain.impactLookups).toEqual(expect.any(Function));
    expect(domain.addBusinessMinutes).toEqual(expect.any(Function));
  });
});
