// Aligns several time series onto one shared x axis (Unix seconds), as uPlot wants.
import type { Series } from './api.js';
import type { ChartSeries } from './format.js';

export function alignSeries(series: Series[], label: (s: Series) => string): { x: number[]; series: ChartSeries[] } {
  const xs = new Set<number>();
  for (const s of series) for (const p of s.points) xs.add(Math.floor(new Date(p.t).getTime() / 1000));
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  return {
    x,
    series: series.map((s) => {
      const values: (number | null)[] = new Array<number | null>(x.length).fill(null);
      for (const p of s.points) {
        const i = index.get(Math.floor(new Date(p.t).getTime() / 1000));
        if (i !== undefined) values[i] = p.value;
      }
      return { label: label(s), values };
    }),
  };
}

/** Bucket size the console asks for: about 300-600 points over the range, on round steps. */
export function bucketFor(rangeMs: number): number {
  const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 86400];
  const target = rangeMs / 1000 / 400;
  return steps.find((s) => s >= target) ?? 86400;
}

export function fmtBucket(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${seconds / 60}m`;
  if (seconds < 86400) return `${seconds / 3600}h`;
  return `${seconds / 86400}d`;
}
