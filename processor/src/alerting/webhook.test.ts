import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sign, verifySignature } from './webhook.js';

describe('webhook signature', () => {
  const secret = 'super-secret-value-123';
  const body = '{"event":"firing"}';
  it('is t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>', () => {
    const h = sign(secret, body, 1_700_000_000);
    const mac = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(h).toBe(`t=1700000000,v1=${mac}`);
    expect(verifySignature(secret, body, h, 300, 1_700_000_010_000)).toBe(true);
  });
  it('refuses another body, another secret, a stale timestamp and garbage', () => {
    const h = sign(secret, body, 1_700_000_000);
    const now = 1_700_000_000_000;
    expect(verifySignature(secret, body + ' ', h, 300, now)).toBe(false);
    expect(verifySignature('other-secret-value-12', body, h, 300, now)).toBe(false);
    expect(verifySignature(secret, body, h, 300, now + 301_000)).toBe(false);
    expect(verifySignature(secret, body, 't=abc,v1=zz', 300, now)).toBe(false);
    expect(verifySignature(secret, body, undefined, 300, now)).toBe(false);
  });
});
