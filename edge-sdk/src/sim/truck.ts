// A simulated delivery truck: telemetry (position, speed, fuel, engine temperature, load) and realistic
// logs (mostly info, some warnings, bursts of errors with multi-line stack traces) and events.
import type { Severity } from '../protocol/index.js';

export type Rng = () => number;

/** Small deterministic PRNG (mulberry32) so a simulation can be replayed with a seed. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type TruckOutput =
  | { kind: 'telemetry'; metrics: Record<string, number> }
  | { kind: 'log'; severity: Severity; message: string; attrs: Record<string, unknown> }
  | { kind: 'event'; name: string; data: Record<string, unknown> };

const ROUTES = ['A7 north', 'ring road', 'harbour', 'depot 3', 'industrial park', 'city centre'];
const MODULES = ['can-bus', 'gps', 'modem', 'tacho', 'reefer', 'obd'];

function stackTrace(rng: Rng, err: string): string {
  const frames = [
    'readFrame (can/bus.c:412)',
    'pollSensors (sensors/poll.c:88)',
    'uplinkFlush (net/uplink.c:203)',
    'main_loop (main.c:57)',
    'task_run (rtos/task.c:131)',
  ];
  const n = 2 + Math.floor(rng() * 3);
  return `${err}\n${frames
    .slice(0, n)
    .map((f) => `    at ${f}`)
    .join('\n')}`;
}

export class Truck {
  readonly #rng: Rng;
  #lat: number;
  #lon: number;
  #heading: number;
  #speed = 0;
  #fuel: number;
  #temp = 20;
  #load: number;
  #burst = 0;
  #tick = 0;

  constructor(rng: Rng) {
    this.#rng = rng;
    this.#lat = 52.3 + rng() * 0.4;
    this.#lon = 4.7 + rng() * 0.6;
    this.#heading = rng() * 2 * Math.PI;
    this.#fuel = 40 + rng() * 60;
    this.#load = Math.round(rng() * 18_000);
  }

  /** Advances the truck by `dtSec` and returns `count` outputs (about 60% telemetry, 35% logs, 5% events). */
  next(count: number, dtSec: number): TruckOutput[] {
    this.#move(dtSec);
    const out: TruckOutput[] = [];
    for (let i = 0; i < count; i++) {
      const r = this.#rng();
      if (this.#burst > 0 || r < 0.35) out.push(this.#log());
      else if (r < 0.95) out.push({ kind: 'telemetry', metrics: this.#metrics() });
      else out.push(this.#event());
    }
    return out;
  }

  #move(dt: number): void {
    const rng = this.#rng;
    this.#tick++;
    const target = this.#tick % 50 < 5 ? 0 : 50 + rng() * 40; // stops now and then
    this.#speed += (target - this.#speed) * Math.min(1, dt / 10) + (rng() - 0.5) * 2;
    this.#speed = Math.max(0, Math.min(110, this.#speed));
    this.#heading += (rng() - 0.5) * 0.2;
    const km = (this.#speed * dt) / 3600;
    this.#lat += (km / 111) * Math.cos(this.#heading);
    this.#lon += (km / 68) * Math.sin(this.#heading);
    this.#fuel = Math.max(0, this.#fuel - km * 0.035 - dt * 0.0005);
    if (this.#fuel < 5) this.#fuel = 95; // refuelled
    const hot = 85 + this.#speed / 10 + (this.#load / 18_000) * 8;
    this.#temp += (hot - this.#temp) * Math.min(1, dt / 60) + (rng() - 0.5);
  }

  #metrics(): Record<string, number> {
    const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
    return {
      lat: round(this.#lat, 6),
      lon: round(this.#lon, 6),
      speed_kmh: round(this.#speed, 1),
      fuel_pct: round(this.#fuel, 2),
      engine_temp_c: round(this.#temp, 1),
      load_kg: this.#load,
      rpm: Math.round(700 + this.#speed * 18 + this.#rng() * 50),
    };
  }

  #log(): TruckOutput {
    const rng = this.#rng;
    if (this.#burst > 0) {
      this.#burst--;
      const mod = MODULES[Math.floor(rng() * MODULES.length)] ?? 'obd';
      const err = `${mod}: read timeout after ${Math.round(200 + rng() * 800)} ms (errno -110)`;
      return {
        kind: 'log',
        severity: rng() < 0.1 ? 2 : 3,
        message: rng() < 0.4 ? stackTrace(rng, err) : err,
        attrs: { module: mod, burst: true },
      };
    }
    const r = rng();
    if (r < 0.01) {
      this.#burst = 5 + Math.floor(rng() * 20); // an error burst starts
      return {
        kind: 'log',
        severity: 4,
        message: 'sensor bus unstable, retrying',
        attrs: { module: 'can-bus' },
      };
    }
    if (r < 0.06)
      return {
        kind: 'log',
        severity: 4,
        message: `fuel ${this.#fuel.toFixed(1)}% on ${ROUTES[Math.floor(rng() * ROUTES.length)]}`,
        attrs: { fuel: this.#fuel },
      };
    if (r < 0.08)
      return {
        kind: 'log',
        severity: 5,
        message: 'firmware update available: 2.4.1',
        attrs: { current: '2.3.9' },
      };
    if (r < 0.3)
      return {
        kind: 'log',
        severity: 7,
        message: `gps fix: ${Math.round(4 + rng() * 8)} satellites, hdop ${(0.6 + rng()).toFixed(2)}`,
        attrs: {},
      };
    return {
      kind: 'log',
      severity: 6,
      message: `on route ${ROUTES[Math.floor(rng() * ROUTES.length)]}, ${this.#speed.toFixed(0)} km/h`,
      attrs: { speed: Math.round(this.#speed) },
    };
  }

  #event(): TruckOutput {
    const rng = this.#rng;
    const r = rng();
    if (r < 0.5) return { kind: 'event', name: 'door_open', data: { door: rng() < 0.7 ? 'rear' : 'side' } };
    if (r < 0.8)
      return {
        kind: 'event',
        name: 'delivery',
        data: { stop: Math.floor(rng() * 40), parcels: 1 + Math.floor(rng() * 12) },
      };
    return { kind: 'event', name: 'harsh_braking', data: { g: Math.round((0.4 + rng() * 0.5) * 100) / 100 } };
  }
}
