/**
 * Control events on the NATS subject `iot.ctl.device` (ARCHITECTURE.md). Provisioning returns them; the caller
 * (CLI, console) publishes them after the commit so every broker replica drops its cache and closes sessions.
 */
export interface DeviceControlEvent {
  type: 'credential.revoked' | 'device.disabled' | 'device.deleted' | 'credential.rotated';
  deviceId: string;
  credentialId?: string;
}
