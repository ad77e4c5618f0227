export {
  copyLogs,
  generateLogRows,
  insertLogsUnnest,
  logRowsToCopyText,
  LOG_COPY_COLUMNS,
  type GenerateOptions,
  type LogRow,
} from './log-rows.js';
