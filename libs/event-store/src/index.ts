export * from './event-store.port';
export * from './errors';
export * from './append-rules';
export * from './observed-event-store';
export * from './embedded/sqlite-event-store';
export * from './create-event-store';
export * from './postgres/postgres-event-store';
export * from './eventstoredb/esdb-event-store';
export { UNKNOWN_POSITION } from './eventstoredb/esdb-mapping';
