import { describe, expect, it } from 'vitest';
import { ProvisioningError } from './errors.js';
import { checkDeviceName, checkDisplayName, checkSlug, slugify } from './names.js';
import { generateDeviceToken, hashSecret, normalizeFingerprint } from './secrets.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof ProvisioningError ? e.code : String(e);
  }
};

describe('names', () => {
  it('derives slugs from names', () => {
    expect(slugify('Acme Corp.')).toBe('acme-corp');
    expect(slugify('  Zürich -- Plant #2 ')).toBe('zurich-plant-2');
    expect(slugify('!!!')).toBe('');
    expect(slugify('a'.repeat(80))).toHaveLength(64);
  });

  it('accepts valid slugs and refuses invalid ones, including UUID-shaped slugs', () => {
    expect(checkSlug('tenant', 'plant-1')).toBe('plant-1');
    for (const bad of ['', '-a', 'a-', 'A', 'a_b', 'a'.repeat(65), '3f1c2a9e-0b7d-4c55-9a0e-1b2c3d4e5f60']) {
      expect(codeOf(() => checkSlug('tenant', bad))).toBe('provisioning.invalid_name');
    }
  });

  it('checks display names and device names', () => {
    expect(checkDisplayName('organization', '  Acme  ')).toBe('Acme');
    expect(codeOf(() => checkDisplayName('organization', ' '))).toBe('provisioning.invalid_name');
    expect(codeOf(() => checkDisplayName('organization', 'a\nb'))).toBe('provisioning.invalid_name');
    for (const ok of ['pump-1', 'PLC.7', 'line:3_a']) expect(checkDeviceName(ok)).toBe(ok);
    for (const bad of [
      '',
      'a b',
      'a/b',
      'a#',
      '+',
      '-a',
      'x'.repeat(129),
      '3f1c2a9e-0b7d-4c55-9a0e-1b2c3d4e5f60',
    ]) {
      expect(codeOf(() => checkDeviceName(bad))).toBe('provisioning.invalid_name');
    }
  });
});

describe('secrets', () => {
  it('generates 256-bit base64url tokens and hashes them with sha256', () => {
    const a = generateDeviceToken();
    expect(a).toMatch(/^iot_[A-Za-z0-9_-]{43}$/);
    expect(generateDeviceToken()).not.toBe(a);
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('normalises certificate fingerprints', () => {
    expect(normalizeFingerprint('AB:'.repeat(31) + 'AB')).toBe('ab'.repeat(32));
    expect(codeOf(() => normalizeFingerprint('ab:cd'))).toBe('provisioning.invalid_input');
  });
});
