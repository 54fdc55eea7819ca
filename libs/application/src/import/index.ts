export * from './import-mapping';
export * from './case-plan';
export * from './csv-importer';
