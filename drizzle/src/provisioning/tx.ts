import type { Db } from '../database.js';

/** A drizzle transaction (or the database itself): everything provisioning writes goes through one. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Who made a change, written to audit_log.actor (e.g. `cli:alice`, `user:<uuid>`, `system`). */
export interface Actor {
  actor?: string;
}

export const actorOf = (a: Actor | undefined): string => a?.actor ?? 'system';
