export * from './import-mapping';
export * from './case-plan';
export * from './csv-importer';
export * from './source-ids';
export * from './mapping-schema';
