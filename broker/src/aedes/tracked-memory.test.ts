import { describe, expect, it } from 'vitest';
import { TrackedMemoryPersistence } from './tracked-memory.js';

const c = { id: 'dev-1' };
const packet = (messageId: number) => ({
  cmd: 'publish',
  topic: 'd/dev-1/cmd/x',
  payload: Buffer.from('x'),
  qos: 1,
  retain: false,
  dup: false,
  brokerId: 'b',
  brokerCounter: messageId,
  messageId,
});

describe('TrackedMemoryPersistence', () => {
  it('is pristine for an unknown id', () => {
    expect(new TrackedMemoryPersistence().isPristine('dev-1')).toBe(true);
  });

  it('tracks subscriptions until cleaned', async () => {
    const p = new TrackedMemoryPersistence();
    await p.addSubscriptions(c, [{ topic: 'd/dev-1/cmd/#', qos: 1 }]);
    expect(p.isPristine('dev-1')).toBe(false);
    expect(p.isPristine('dev-2')).toBe(true);
    await p.cleanSubscriptions(c);
    expect(p.isPristine('dev-1')).toBe(true);
  });

  it('tracks wills and inbound QoS 2 packets until deleted', async () => {
    const p = new TrackedMemoryPersistence();
    await p.setup({ id: 'b' } as never);
    await p.putWill(c, { topic: 'w', payload: Buffer.from('x') });
    expect(p.isPristine('dev-1')).toBe(false);
    await p.delWill(c);
    expect(p.isPristine('dev-1')).toBe(true);
    await p.incomingStorePacket(c, packet(1));
    expect(p.isPristine('dev-1')).toBe(false);
    await p.cleanIncoming(c);
    expect(p.isPristine('dev-1')).toBe(true);
  });

  it('counts the offline queue down to empty', async () => {
    const p = new TrackedMemoryPersistence();
    await p.outgoingEnqueueCombi([{ clientId: 'dev-1' }], packet(1));
    await p.outgoingEnqueue({ clientId: 'dev-1' }, packet(2));
    expect(p.isPristine('dev-1')).toBe(false);
    // as aedes does before sending: the queued packets get their message ids
    await p.outgoingUpdate(c, { ...packet(1), messageId: 1 });
    await p.outgoingUpdate(c, { ...packet(2), messageId: 2 });
    await p.outgoingClearMessageId(c, { messageId: 1 });
    expect(p.isPristine('dev-1')).toBe(false);
    await p.outgoingClearMessageId(c, { messageId: 99 }); // not queued: no change
    expect(p.isPristine('dev-1')).toBe(false);
    await p.outgoingClearMessageId(c, { messageId: 2 });
    expect(p.isPristine('dev-1')).toBe(true);
  });
});
