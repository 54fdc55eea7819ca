import * as roster from '@desk/domain/testing/roster';
import type { TestDesk } from './test-desk';
import { agent } from './test-desk';

/**
 * The agents of the organisation, who work in both its departments: the roster's two, and a numbered pool for
 * specs that spread work over several agents.
 */
export const ORG_AGENTS = [roster.agent.id, roster.otherAgent.id, 'agent-0', 'agent-1', 'agent-2', 'agent-3'];

/** A small organisation: IT serving a customer-facing front desk, an external customer, and agents who work in both. */
export async function seedOrganisation(desk: TestDesk): Promise<void> {
  await desk.expect(201, 'POST', '/departments', { body: { id: 'it', name: 'IT' } });
  await desk.expect(201, 'POST', '/departments', { body: { id: 'front-desk', name: 'Front desk' } });
  await desk.expect(200, 'PUT', '/departments/it/service-standard', {
    body: {
      targets: [
        { priority: 'critical', audience: 'internal', firstResponseMinutes: 15, resolutionMinutes: 240 },
        { priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 480 },
        { priority: 'medium', audience: 'internal', firstResponseMinutes: 120, resolutionMinutes: 1440 },
      ],
    },
  });
  await desk.expect(200, 'PUT', '/departments/front-desk/service-standard', {
    body: {
      targets: [
        { priority: 'high', audience: 'external', firstResponseMinutes: 60, resolutionMinutes: 240 },
        { priority: 'medium', audience: 'external', firstResponseMinutes: 240, resolutionMinutes: 960 },
      ],
      calendar: {
        timeZone: 'Europe/Brussels',
        weeklyHours: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, start: '08:00', end: '18:00' })),
        holidays: ['2026-12-25'],
      },
    },
  });
  await desk.expect(201, 'POST', '/customers', {
    body: { id: 'anna', name: 'Anna (reception)', type: 'internal', kind: 'employee', departmentId: 'front-desk', customerFacing: true },
  });
  await desk.expect(201, 'POST', '/customers', {
    body: { id: 'carl', name: 'Carl (accounting)', type: 'internal', kind: 'contractor', departmentId: 'it' },
  });
  await desk.expect(201, 'POST', '/customers', { body: { id: 'bob', name: 'Bob, dog owner', type: 'external', kind: 'individual' } });
  await registerAgents(desk, ['it', 'front-desk']);
}

/** Registers the organisation's agents (or those given) as working in the departments given: a desk set up by a spec of its own. */
export async function registerAgents(desk: TestDesk, departmentIds: string[], ids: readonly string[] = ORG_AGENTS): Promise<void> {
  for (const id of ids) {
    await desk.expect(201, 'POST', '/agents', { body: { id, name: id, departmentIds, tier: 'L1' } });
  }
}

export async function openRequest(
  desk: TestDesk,
  id: string,
  fields: { requesterId?: string; departmentId?: string; priority?: string } = {},
): Promise<{ revision: string; position: string }> {
  return desk.expect(201, 'POST', '/requests', {
    as: agent(),
    body: {
      id,
      requesterId: fields.requesterId ?? 'anna',
      departmentId: fields.departmentId ?? 'it',
      subject: `Request ${id}`,
      priority: fields.priority ?? 'high',
    },
  });
}
