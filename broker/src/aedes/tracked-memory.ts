// In-memory aedes persistence (aedes-persistence 11.0.0, the one aedes uses by default) that also knows,
// synchronously, whether a client id has any stored session state. The lean CONNECT path
// (lean-connect.ts) uses this to skip persistence calls that are provably no-ops.
import { createRequire } from 'node:module';

type Sub = { clientId: string };
type WithId = { id: string };
type MemoryPersistence = {
  setup(broker: { id: string }): Promise<void>;
  addSubscriptions(client: WithId, subs: unknown[]): Promise<void>;
  cleanSubscriptions(client: WithId): Promise<void>;
  outgoingEnqueue(sub: Sub, packet: unknown): Promise<void>;
  outgoingEnqueueCombi(subs: Sub[], packet: unknown): Promise<void>;
  outgoingUpdate(client: WithId, packet: unknown): Promise<void>;
  outgoingClearMessageId(client: WithId, packet: unknown): Promise<unknown>;
  incomingStorePacket(client: WithId, packet: unknown): Promise<void>;
  cleanIncoming(client: WithId): Promise<void>;
  putWill(client: WithId, packet: unknown): Promise<void>;
  delWill(client: WithId): Promise<unknown>;
};
type MemoryCtor = new () => MemoryPersistence;
const require = createRequire(import.meta.url);
const Memory = require('aedes-persistence/asyncPersistence.js') as MemoryCtor;

export type SessionStateProbe = {
  /** True when nothing is stored for this client id: no subscription, queued or in-flight packet, or will. */
  isPristine(clientId: string): boolean;
};

/**
 * Every method that can create state for a client id marks it; the ones that remove state unmark it.
 * The marks are a superset of what is stored (removeSubscriptions keeps the mark), never a subset,
 * so `isPristine` true means there is provably nothing to clean, restore or deliver.
 */
export class TrackedMemoryPersistence extends Memory implements SessionStateProbe {
  readonly #subs = new Set<string>();
  readonly #incoming = new Set<string>();
  readonly #wills = new Set<string>();
  readonly #outgoing = new Map<string, number>();

  isPristine(clientId: string): boolean {
    return (
      !this.#subs.has(clientId) &&
      !this.#incoming.has(clientId) &&
      !this.#wills.has(clientId) &&
      !this.#outgoing.has(clientId)
    );
  }

  #queued(clientId: string, delta: number): void {
    const n = (this.#outgoing.get(clientId) ?? 0) + delta;
    if (n > 0) this.#outgoing.set(clientId, n);
    else this.#outgoing.delete(clientId);
  }

  override addSubscriptions(client: WithId, subs: unknown[]): Promise<void> {
    this.#subs.add(client.id);
    return super.addSubscriptions(client, subs);
  }
  // The memory store's methods are async but mutate synchronously (no await inside): the marks are
  // updated in the same tick, so no put can slip between the removal and the unmark.
  override cleanSubscriptions(client: WithId): Promise<void> {
    const done = super.cleanSubscriptions(client);
    this.#subs.delete(client.id);
    return done;
  }
  override outgoingEnqueue(sub: Sub, packet: unknown): Promise<void> {
    this.#queued(sub.clientId, 1);
    return super.outgoingEnqueue(sub, packet);
  }
  override outgoingEnqueueCombi(subs: Sub[], packet: unknown): Promise<void> {
    for (const s of subs) this.#queued(s.clientId, 1);
    return super.outgoingEnqueueCombi(subs, packet);
  }
  // the count drops a microtask after the removal: briefly too high, which is the safe side
  override async outgoingClearMessageId(client: WithId, packet: unknown): Promise<unknown> {
    const removed = await super.outgoingClearMessageId(client, packet);
    if (removed !== undefined) this.#queued(client.id, -1);
    return removed;
  }
  override incomingStorePacket(client: WithId, packet: unknown): Promise<void> {
    this.#incoming.add(client.id);
    return super.incomingStorePacket(client, packet);
  }
  override cleanIncoming(client: WithId): Promise<void> {
    const done = super.cleanIncoming(client);
    this.#incoming.delete(client.id);
    return done;
  }
  override putWill(client: WithId, packet: unknown): Promise<void> {
    this.#wills.add(client.id);
    return super.putWill(client, packet);
  }
  override delWill(client: WithId): Promise<unknown> {
    const will = super.delWill(client);
    this.#wills.delete(client.id);
    return will;
  }
}
