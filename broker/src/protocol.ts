// The wire protocol as the broker uses it (from @iotlog/edge-sdk/protocol), plus the control event shape.
export {
  canSubscribe,
  channelOf,
  commandTopic,
  desiredConfigTopic,
  encodeEnvelope,
  isValidDeviceId,
  subjects,
  type Channel,
} from '@iotlog/edge-sdk/protocol';

/** `iot.ctl.device` event (ARCHITECTURE.md "NATS subjects"). */
export type CtlEvent = {
  type: 'credential.revoked' | 'device.disabled' | 'device.deleted' | 'credential.rotated';
  deviceId: string;
  credentialId?: string;
};
