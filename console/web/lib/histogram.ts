// Histogram buckets on a full grid: the API returns only non-empty buckets; bars need the empty ones too.

export function fillBuckets(h: {
  bucketSeconds: number;
  from: string;
  to: string;
  buckets: { time: string; count: number }[];
}): { x: number[]; y: number[] } {
  const step = Math.max(1, h.bucketSeconds);
  const from = Math.floor(new Date(h.from).getTime() / 1000);
  const to = Math.ceil(new Date(h.to).getTime() / 1000);
  const counts = new Map(h.buckets.map((b) => [Math.floor(new Date(b.time).getTime() / 1000), b.count]));
  // the grid is anchored on a bucket the server returned (its origin), else on multiples of the step
  const anchor = counts.size > 0 ? Math.min(...counts.keys()) : 0;
  let start = anchor - Math.floor((anchor - from) / step) * step;
  if (start > from) start -= step;
  const x: number[] = [];
  const y: number[] = [];
  for (let t = start; t < to && x.length < 5000; t += step) {
    x.push(t);
    y.push(counts.get(t) ?? 0);
  }
  return { x, y };
}
