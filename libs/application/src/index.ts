export * from './clock';
export * from './problems';
export * from './commands/decider';
export * from './commands/keyed-mutex';
export * from './commands/aggregate-repository';
export * from './commands/command-executor';
export * from './commands/domain-lookups';
export * from './commands/aggregate-commands';
