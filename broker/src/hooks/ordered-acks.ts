// PUBACKs must leave in the order the PUBLISHes came (MQTT-4.6.0-2), but batches of different channels
// settle in any order. Each client gets a queue of slots; a slot's aedes callback runs only when every
// earlier slot of that client has run.
type Slot = { cb: (err?: Error | null) => void; done: boolean; err: Error | null };

export class OrderedAcks {
  private readonly slots: Slot[] = [];

  /** Reserves the next slot; call the returned function when that PUBLISH is settled. */
  reserve(cb: (err?: Error | null) => void): (err: Error | null) => void {
    const slot: Slot = { cb, done: false, err: null };
    this.slots.push(slot);
    return (err) => {
      slot.done = true;
      slot.err = err;
      this.drain();
    };
  }

  private drain(): void {
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const slot = this.slots.shift()!;
      slot.cb(slot.err);
    }
  }
}
