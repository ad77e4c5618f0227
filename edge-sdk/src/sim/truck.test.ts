import { describe, expect, it } from 'vitest';
import { createRng, Truck, type TruckOutput } from './truck.js';

describe('simulated truck', () => {
  it('is deterministic for a seed and produces the documented mix', () => {
    const run = () => new Truck(createRng(42)).next(5000, 1);
    const out: TruckOutput[] = run();
    expect(out).toEqual(run());
    const kinds = (k: string) => out.filter((o) => o.kind === k).length / out.length;
    expect(kinds('telemetry')).toBeGreaterThan(0.4);
    expect(kinds('log')).toBeGreaterThan(0.2);
    expect(kinds('event')).toBeGreaterThan(0.01);
    const t = out.find((o) => o.kind === 'telemetry');
    expect(Object.keys(t?.kind === 'telemetry' ? t.metrics : {})).toEqual([
      'lat',
      'lon',
      'speed_kmh',
      'fuel_pct',
      'engine_temp_c',
      'load_kg',
      'rpm',
    ]);
    const logs = out.flatMap((o) => (o.kind === 'log' ? [o] : []));
    expect(new Set(logs.map((l) => l.severity)).size).toBeGreaterThanOrEqual(4);
    expect(logs.some((l) => l.message.includes('\n    at '))).toBe(true); // multi-line stack traces
  });
});
