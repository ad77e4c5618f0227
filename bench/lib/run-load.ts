// Runs bench/lib/mqtt-load.ts as BENCH_LOAD_PROCS child processes (2 by default, the devices split
// between them, so that one generator's core does not cap a fast target) against one target, and samples
// the target's CPU time between the first "mark start" and the last "mark end" of the generators.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuSeconds } from './procstat.js';

export type LoadResult = {
  rate: number;
  acked: number;
  seconds: number;
  /** Sum over the generator processes, % of one core. */
  loadgenCpuPct: number;
  failures: number;
  targetCpuPct: number;
  targetUsPerMsg: number;
};

type Part = Omit<LoadResult, 'targetCpuPct' | 'targetUsPerMsg'>;

export async function runLoad(
  config: { devices: unknown[] } & Record<string, unknown>,
  targetPids: number[],
  procs = Number(process.env.BENCH_LOAD_PROCS ?? 2),
): Promise<LoadResult> {
  const n = Math.max(1, Math.min(procs, config.devices.length));
  const per = Math.ceil(config.devices.length / n);
  const cpu = () => targetPids.reduce((s, p) => s + cpuSeconds(p), 0);
  let started = 0;
  let ended = 0;
  let cpu0 = 0;
  let cpu1 = 0;
  const parts = await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<Part>((resolve, reject) => {
          const slice = { ...config, devices: config.devices.slice(i * per, (i + 1) * per) };
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', 'bench/lib/mqtt-load.ts', JSON.stringify(slice)],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          );
          const rl = createInterface({ input: child.stdout });
          let last = '';
          rl.on('line', (line) => {
            if (line === 'mark start') {
              if (started++ === 0) cpu0 = cpu();
            } else if (line === 'mark end') {
              if (++ended === n) cpu1 = cpu();
            } else last = line;
          });
          child.once('error', reject);
          child.once('exit', (code) =>
            code === 0
              ? resolve(JSON.parse(last) as Part)
              : reject(new Error(`load generator exited with ${code}`)),
          );
        }),
    ),
  );
  const acked = parts.reduce((s, p) => s + p.acked, 0);
  const seconds = Math.max(...parts.map((p) => p.seconds));
  const cpuS = cpu1 - cpu0;
  return {
    acked,
    seconds,
    rate: parts.reduce((s, p) => s + p.rate, 0),
    loadgenCpuPct: parts.reduce((s, p) => s + p.loadgenCpuPct, 0),
    failures: parts.reduce((s, p) => s + p.failures, 0),
    targetCpuPct: (cpuS / seconds) * 100,
    targetUsPerMsg: acked > 0 ? (cpuS / acked) * 1e6 : 0,
  };
}
