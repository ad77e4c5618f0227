// Runs bench/lib/mqtt-load.ts as a child process against one target and samples the target's CPU time
// between the generator's "mark start" and "mark end" lines.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuSeconds } from './procstat.js';

export type LoadResult = {
  rate: number;
  acked: number;
  seconds: number;
  loadgenCpuPct: number;
  failures: number;
  targetCpuPct: number;
  targetUsPerMsg: number;
};

export function runLoad(config: object, targetPids: number[]): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/lib/mqtt-load.ts', JSON.stringify(config)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const rl = createInterface({ input: child.stdout });
    let cpu0 = 0;
    let cpu1 = 0;
    let last = '';
    const cpu = () => targetPids.reduce((s, p) => s + cpuSeconds(p), 0);
    rl.on('line', (line) => {
      if (line === 'mark start') cpu0 = cpu();
      else if (line === 'mark end') cpu1 = cpu();
      else last = line;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      const r = JSON.parse(last) as Omit<LoadResult, 'targetCpuPct' | 'targetUsPerMsg'>;
      const cpuS = cpu1 - cpu0;
      resolve({
        ...r,
        targetCpuPct: (cpuS / r.seconds) * 100,
        targetUsPerMsg: r.acked > 0 ? (cpuS / r.acked) * 1e6 : 0,
      });
    });
  });
}
