import { ProvisioningError } from './errors.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (s: string): boolean => UUID.test(s);

/** "Acme Corp." -> "acme-corp" */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/g, '');
}

/** A display name for an organization or tenant: 1-100 characters, not blank. */
export function checkDisplayName(kind: string, name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100 || /\p{Cc}/u.test(trimmed)) {
    throw new ProvisioningError(
      'provisioning.invalid_name',
      `${kind} name "${name}" is invalid: use 1-100 printable characters`,
    );
  }
  return trimmed;
}

export function checkSlug(kind: string, slug: string): string {
  if (!SLUG.test(slug) || isUuid(slug)) {
    throw new ProvisioningError(
      'provisioning.invalid_name',
      `${kind} slug "${slug}" is invalid: use 1-64 lower-case letters, digits and inner dashes (give a name with letters or digits, or an explicit slug)`,
    );
  }
  return slug;
}

export function checkDeviceName(name: string): string {
  if (!DEVICE_NAME.test(name) || isUuid(name)) {
    throw new ProvisioningError(
      'provisioning.invalid_name',
      `device name "${name}" is invalid: use 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit (not a UUID)`,
    );
  }
  return name;
}
