import { describe, expect, it } from 'vitest';
import { isLeanEligible } from './lean-connect.js';

const pristine = { isPristine: () => true };
const base = { protocolVersion: 4, clientId: 'dev-1', clean: true, keepalive: 30 };

describe('isLeanEligible', () => {
  it('takes the clean, will-less 3.1.1 connect of a client id with nothing stored', () => {
    expect(isLeanEligible({}, base, pristine)).toBe(true);
  });

  it.each([
    ['a persistent session', { ...base, clean: false }],
    ['a will', { ...base, will: { topic: 'w', payload: Buffer.from('x') } }],
    ['MQTT 3.1', { ...base, protocolVersion: 3 }],
    ['MQTT 5', { ...base, protocolVersion: 5 }],
    ['an empty client id', { ...base, clientId: '' }],
  ])('leaves %s to aedes', (_name, packet) => {
    expect(isLeanEligible({}, packet, pristine)).toBe(false);
  });

  it('leaves a client id with stored state to aedes', () => {
    expect(isLeanEligible({}, base, { isPristine: (id) => id !== 'dev-1' })).toBe(false);
  });

  it('leaves the keepalive limit check to aedes', () => {
    expect(isLeanEligible({ keepaliveLimit: 60 }, base, pristine)).toBe(false);
  });
});
