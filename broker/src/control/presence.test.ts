import { describe, expect, it } from 'vitest';
import type { SubjectBus } from '../ports.js';
import { createPresence } from './presence.js';

function recordingBus() {
  const sent: { subject: string; body: { deviceId: string; online: boolean; at: number } }[] = [];
  const bus: SubjectBus = {
    publish: (subject, data) => sent.push({ subject, body: JSON.parse(Buffer.from(data).toString()) }),
    subscribe: () => () => undefined,
  };
  return { bus, sent };
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('createPresence', () => {
  it('publishes the events of one turn together on the next, in order', async () => {
    const { bus, sent } = recordingBus();
    const presence = createPresence({ bus, prefix: 'iot' });
    presence.publish('t1', 'd1', true);
    presence.publish('t1', 'd2', true);
    presence.publish('t1', 'd1', false);
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent.map((e) => [e.subject, e.body.deviceId, e.body.online])).toEqual([
      ['iot.presence.t1.d1', 'd1', true],
      ['iot.presence.t1.d2', 'd2', true],
      ['iot.presence.t1.d1', 'd1', false],
    ]);
    expect(typeof sent[0]?.body.at).toBe('number');
    presence.publish('t1', 'd3', true);
    await nextTurn();
    expect(sent).toHaveLength(4);
  });

  it('flush() publishes what is pending at once, and only once', async () => {
    const { bus, sent } = recordingBus();
    const presence = createPresence({ bus, prefix: 'iot' });
    presence.publish('t1', 'd1', true);
    presence.flush();
    expect(sent).toHaveLength(1);
    await nextTurn();
    expect(sent).toHaveLength(1);
  });
});
