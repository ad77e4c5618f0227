export * from './enums.js';
export * from './organizations.js';
export * from './users.js';
export * from './devices.js';
export * from './ingest.js';
export * from './alerts.js';
export * from './audit.js';
