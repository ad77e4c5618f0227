// @iotlog/edge-sdk/protocol: the wire protocol, dependency-free (runs in Node, browsers, broker and processor).
export * from './errors.js';
export * from './topics.js';
export * from './records.js';
export * from './codec.js';
export * from './commands.js';
export * from './envelope.js';
export * from './subjects.js';
