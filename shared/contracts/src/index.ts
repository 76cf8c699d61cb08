export * from './services.js';
export * from './events.js';
