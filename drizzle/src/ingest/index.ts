export { generateLogRows, insertLogsUnnest, logRowsToCopyText, LOG_COPY_COLUMNS, type LogRow } from './log-rows.js';
