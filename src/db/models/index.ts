export * from './person.js';
export * from './task.js';
export * from './change.js';
export * from './delivery.js';
export * from './settings.js';
export * from './misc.js';
export * from './key-check.js';
export * from './membership.js';
