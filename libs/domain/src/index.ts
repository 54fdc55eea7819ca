export * from './shared/event';
export * from './shared/decider';
export * from './shared/iso-time';
export * from './shared/errors';
export * from './shared/validation';
export * from './shared/vocabulary';
export * from './shared/streams';
export * from './shared/roles';
export * from './shared/policies';
export * from './event-catalog';

export * from './sla/business-calendar';
export * from './sla/sla-clock';

export * from './department/department.events';
export * from './department/department.commands';
export * from './department/department.state';
export * from './department/department.decide';
export * from './department/department.decider';

export * from './customer/customer.events';
export * from './customer/customer.commands';
export * from './customer/customer.state';
export * from './customer/customer.decide';
export * from './customer/customer.decider';

export * from './agent/agent.events';
export * from './agent/agent.commands';
export * from './agent/agent.state';
export * from './agent/agent.decide';
export * from './agent/agent.decider';

export * from './request/request.events';
export * from './request/request.commands';
export * from './request/request.state';
export * from './request/request.decide';
export * from './request/request.decider';

export * from './impact/impact.events';
export * from './impact/impact.commands';
export * from './impact/impact.state';
export * from './impact/impact.decide';
export * from './impact/impact.decider';
