// Live tail over Server-Sent Events: parses each event into log rows and reports the connection state.
import type { LogLine } from './api.js';

export type TailState = 'connecting' | 'live' | 'reconnecting';

export interface Tail {
  close(): void;
}

/** One `log` event carries one LogLine (the API's tail.routes.ts). */
function rowsOf(data: string): LogLine[] {
  const parsed = JSON.parse(data) as unknown;
  if (Array.isArray(parsed)) return parsed as LogLine[];
  if (parsed && typeof parsed === 'object' && 'message' in parsed) return [parsed as LogLine];
  return [];
}

export function openTail(
  url: string,
  onrows: (rows: LogLine[]) => void,
  onstate: (s: TailState) => void,
  onerror: (e: Error) => void,
): Tail {
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
  source.addEventListener('log', handle);
  source.addEventListener('ready', () => onstate('live'));
  source.addEventListener('dropped', (e: MessageEvent<string>) =>
    onerror(new Error(`Live tail too fast for this browser: ${e.data} lines skipped`)),
  );
  return { close: () => source.close() };
}
