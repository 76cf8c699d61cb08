export * from './services.js';
export * from './events.js';
export * from './kafka-access.js';
