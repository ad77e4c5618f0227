// Aligns several time series onto one shared x axis (Unix seconds), as uPlot wants.
import type { ChartSeries } from './format.js';

export interface PointsOf {
  label: string;
  points: { time: string; avg: number }[];
}

export function alignSeries(input: PointsOf[]): { x: number[]; series: ChartSeries[] } {
  const sec = (t: string) => Math.floor(new Date(t).getTime() / 1000);
  const xs = new Set<number>();
  for (const s of input) for (const p of s.points) xs.add(sec(p.time));
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  return {
    x,
    series: input.map((s) => {
      const values: (number | null)[] = new Array<number | null>(x.length).fill(null);
      for (const p of s.points) {
        const i = index.get(sec(p.time));
        if (i !== undefined) values[i] = p.avg;
      }
      return { label: s.label, values };
    }),
  };
}

export function fmtBucket(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${+(seconds / 60).toFixed(1)}m`;
  if (seconds < 86400) return `${+(seconds / 3600).toFixed(1)}h`;
  return `${+(seconds / 86400).toFixed(1)}d`;
}
