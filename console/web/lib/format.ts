// Display helpers: times, durations, rates, syslog severities.

export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

export function severityName(s: number): string {
  return SEVERITIES[s] ?? String(s);
}

export function fmtTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === '') return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtAgo(t: string | number | null | undefined, now = Date.now()): string {
  if (t === null || t === undefined || t === '') return 'never';
  const ms = now - new Date(t).getTime();
  if (Number.isNaN(ms)) return String(t);
  if (ms < 5_000) return 'just now';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.round(h / 24)}d ago`;
}

export function fmtRate(perMin: number | null | undefined): string {
  if (perMin === null || perMin === undefined) return '—';
  if (perMin === 0) return '0/min';
  if (perMin < 1) return `${perMin.toFixed(2)}/min`;
  if (perMin < 100) return `${perMin.toFixed(1)}/min`;
  return `${Math.round(perMin).toLocaleString()}/min`;
}

export function fmtNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return Math.abs(n) >= 1000 || Number.isInteger(n) ? n.toLocaleString() : n.toPrecision(4);
}

/** Relative ranges offered by the time pickers, in milliseconds. */
export const RELATIVE_RANGES: { key: string; label: string; ms: number }[] = [
  { key: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { key: '1h', label: 'Last hour', ms: 3_600_000 },
  { key: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { key: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
];

/** `<input type="datetime-local">` value for a time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export interface RangeValue {
  relative: string | null;
  from: number;
  to: number;
}
export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

/** Resolves a relative range key against now; absolute ranges pass through. */
export function resolveRange(r: RangeValue, now = Date.now()): { from: number; to: number } {
  const rel = r.relative ? RELATIVE_RANGES.find((x) => x.key === r.relative) : undefined;
  return rel ? { from: now - rel.ms, to: now } : { from: r.from, to: r.to };
}
