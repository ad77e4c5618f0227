import { describe, expect, it } from 'vitest';
import { channelOf } from '../protocol.js';
import { upChannel } from './up-channel.js';

const id = '3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c';
const topics = [
  `d/${id}/logs`,
  `d/${id}/telemetry`,
  `d/${id}/events`,
  `d/${id}/reply`,
  `d/${id}/config/reported`,
  `d/${id}/config`,
  `d/${id}/config/desired`,
  `d/${id}/cmd/reboot`,
  `d/${id}/logs/x`,
  `d/${id}/log`,
  `d/${id}/logz`,
  `d/${id}/xlogs`,
  `d/${id}/`,
  `d/${id}`,
  `d/${id}x/logs`,
  `d/x${id}/logs`,
  `d/other/logs`,
  `x/${id}/logs`,
  `dd${id}/logs`,
  `d/${id}/+`,
  `d/${id}/#`,
  `d/${id}//logs`,
  `/d/${id}/logs`,
  `$SYS/${id}/logs`,
  `d/${id}/teleMetry`,
  `d/${id}/telemetry!`,
  `d/${id}/config/reporte`,
  `d/${id}/config/reportedx`,
  `d/${id}/config_reported`,
  '',
  'd',
  'd/',
];

describe('upChannel', () => {
  it.each(topics)('answers like channelOf for %j', (topic) => {
    expect(upChannel(id, topic)).toBe(channelOf(id, topic));
  });

  it('accepts every up channel of its own device and nothing of another', () => {
    expect(upChannel(id, `d/${id}/telemetry`)).toBe('telemetry');
    expect(upChannel(id, `d/${id}/config/reported`)).toBe('config');
    expect(upChannel('dev-1', 'd/dev-1/logs')).toBe('logs');
    expect(upChannel('dev-1', 'd/dev-2/logs')).toBeNull();
    expect(upChannel('dev', 'd/dev-1/logs')).toBeNull();
  });
});
