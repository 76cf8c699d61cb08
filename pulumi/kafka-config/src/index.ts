export * from './render.js';
export * from './local.js';
export * from './assets.js';
export * from './users.js';
