/** What other packages' tests use of shared's test support: `@orders/shared/testing`. */
export * from './infra.js';
export * from './topic-reader.js';
export * from './events.js';
export * from './generated-blocks.js';
