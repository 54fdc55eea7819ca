export * from './sla-what-if';
export * from './what-if';
export * from './event-export';
