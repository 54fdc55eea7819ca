export { IMPACT_GRAPH_STREAM } from '../impact/impact.events';

/** Stream names of the aggregates: `<aggregate>-<id>`, ids already restricted to ID_PATTERN. */
export const requestStream = (requestId: string): string => `request-${requestId}`;
export const departmentStream = (departmentId: string): string => `department-${departmentId}`;
export const customerStream = (customerId: string): string => `customer-${customerId}`;
export const agentStream = (agentId: string): string => `agent-${agentId}`;
