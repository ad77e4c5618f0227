// Which devices are connected to this replica: deviceId -> live aedes clients.
import type { Client } from 'aedes';

export class DeviceRegistry {
  private readonly byDevice = new Map<string, Set<Client>>();

  add(deviceId: string, client: Client): void {
    let set = this.byDevice.get(deviceId);
    if (!set) {
      set = new Set();
      this.byDevice.set(deviceId, set);
    }
    set.add(client);
  }

  remove(deviceId: string, client: Client): void {
    const set = this.byDevice.get(deviceId);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) this.byDevice.delete(deviceId);
  }

  clients(deviceId: string): Client[] {
    return [...(this.byDevice.get(deviceId) ?? [])];
  }

  isConnected(deviceId: string): boolean {
    return this.byDevice.has(deviceId);
  }
}
