// One writer per buffer directory: `lock` holds the pid of the process using it. A lock of a dead process
// (crash) is taken over; a live other process, or this process with the directory already open, is refused.
import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdgeError } from '../errors.js';

const openHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock; returns the release function. Throws EdgeError `sdk.buffer_io` when in use. */
export function lockDir(dir: string): () => void {
  const real = realpathSync(dir);
  const path = join(real, 'lock');
  if (openHere.has(real))
    throw new EdgeError('sdk.buffer_io', `buffer directory ${dir} is already open in this process`);
  let holder = NaN;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // our own pid in the file is a lock left by an earlier incarnation (e.g. pid 1 in a restarted container)
  if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
    throw new EdgeError('sdk.buffer_io', `buffer directory ${dir} is in use by process ${holder}`);
  }
  writeFileSync(path, `${process.pid}\n`);
  openHere.add(real);
  return () => {
    openHere.delete(real);
    rmSync(path, { force: true });
  };
}
