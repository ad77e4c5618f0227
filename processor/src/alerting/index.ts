// @iotlog/processor/alerting: rules (shared with the console), the engine run in processor replicas,
// commands and desired configuration (shared with the console API and the CLI).
export * from './rules.js';
export { AlertingError, RuleValidationError, CommandTimeoutError } from './errors.js';
export {
  createAlertingEngine,
  DEFAULT_ALERTING_CONFIG,
  type AlertingConfig,
  type AlertingEngine,
} from './engine.js';
export { alertingEnvShape, alertingConfigFromEnv, type AlertingEnv } from './env.js';
export { ruleToRow, rowToRule, RULE_COLUMNS, type RuleRow } from './rule-source.js';
export { ALERT_COLUMNS, alertColumns, isSilenced, type AlertRow, type AlertState } from './alert-store.js';
export type { AlertNotification, AlertEvent } from './effects.js';
export { sign, verifySignature, SIGNATURE_HEADER } from './webhook.js';
export {
  sendCommand,
  publishDesiredConfig,
  desiredConfigMessage,
  checkConfig,
  natsCommandBus,
  COMMAND_NAME,
  type CommandBus,
  type CommandResult,
} from './commands.js';
export {
  resolveDevice,
  setDesiredConfig,
  getDeviceConfig,
  toDeviceConfig,
  type DeviceConfig,
  type DeviceRef,
} from './device-config.js';
