// Live tail over Server-Sent Events: parses each event into log rows and reports the connection state.
import type { LogRow } from './api.js';

export type TailState = 'connecting' | 'live' | 'reconnecting';

export interface Tail { close(): void }

function rowsOf(data: string): LogRow[] {
  const parsed = JSON.parse(data) as unknown;
  if (Array.isArray(parsed)) return parsed as LogRow[];
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { items?: unknown }).items)) return (parsed as { items: LogRow[] }).items;
  if (parsed && typeof parsed === 'object' && 'message' in parsed) return [parsed as LogRow];
  return [];
}

export function openTail(url: string, onrows: (rows: LogRow[]) => void, onstate: (s: TailState) => void, onerror: (e: Error) => void): Tail {
  const source = new EventSource(url, { withCredentials: true });
  onstate('connecting');
  const handle = (e: MessageEvent<string>) => {
    try {
      const rows = rowsOf(e.data);
      if (rows.length) onrows(rows);
    } catch (err) {
      onerror(new Error(`Live tail sent an unreadable event: ${String(err)}`, { cause: err }));
    }
  };
  source.onopen = () => onstate('live');
  source.onerror = () => onstate(source.readyState === EventSource.CLOSED ? 'connecting' : 'reconnecting');
  source.onmessage = handle;
  source.addEventListener('log', handle);
  source.addEventListener('ready', () => onstate('live'));
  return { close: () => source.close() };
}
