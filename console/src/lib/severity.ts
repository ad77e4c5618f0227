// Syslog severities (ARCHITECTURE.md "Records"): 0 emerg .. 7 debug.
import { ValidationError } from '../errors.js';

export const severityNames = [
  'emerg',
  'alert',
  'crit',
  'error',
  'warning',
  'notice',
  'info',
  'debug',
] as const;
const aliases: Record<string, number> = { err: 3, warn: 4, critical: 2, emergency: 0, information: 6 };

export function parseSeverity(value: string): number {
  const v = value.trim().toLowerCase();
  if (/^[0-7]$/.test(v)) return Number(v);
  const i = (severityNames as readonly string[]).indexOf(v);
  if (i >= 0) return i;
  const a = aliases[v];
  if (a !== undefined) return a;
  throw new ValidationError(`unknown severity "${value}"; use 0..7 or ${severityNames.join(', ')}`);
}

export function parseSeverityList(value: string | undefined): number[] | undefined {
  if (!value) return undefined;
  return value
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(parseSeverity);
}
