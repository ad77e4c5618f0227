// The publish ACL of the hot path: the same answer as `channelOf(deviceId, topic)` from the protocol
// (a device publishes only on `d/{itsId}/{logs|telemetry|events|reply}` and `d/{itsId}/config/reported`)
// without splitting the topic or allocating, for a device id already known to be valid.
import type { Channel } from '../protocol.js';

const D = 100; // 'd'
const SLASH = 47; // '/'

/** Channel of `topic` when `deviceId` (valid, see `isValidDeviceId`) may publish there, else null. */
export function upChannel(deviceId: string, topic: string): Channel | null {
  const start = deviceId.length + 3; // "d/" + id + "/"
  if (
    topic.length <= start ||
    topic.charCodeAt(0) !== D ||
    topic.charCodeAt(1) !== SLASH ||
    topic.charCodeAt(start - 1) !== SLASH ||
    !topic.startsWith(deviceId, 2)
  ) {
    return null;
  }
  switch (topic.length - start) {
    case 4:
      return topic.endsWith('logs') ? 'logs' : null;
    case 5:
      return topic.endsWith('reply') ? 'reply' : null;
    case 6:
      return topic.endsWith('events') ? 'events' : null;
    case 9:
      return topic.endsWith('telemetry') ? 'telemetry' : null;
    case 15:
      return topic.endsWith('config/reported') ? 'config' : null;
    default:
      return null;
  }
}
