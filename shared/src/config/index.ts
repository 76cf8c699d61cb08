export * from './settings.js';
export * from './common.js';
