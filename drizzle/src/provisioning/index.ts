export { writeAudit, type AuditEntry } from './audit.js';
export {
  addX509Fingerprint,
  findCredentialForAuth,
  revokeCredential,
  revokeDeviceTokens,
  rotateToken,
  type AuthLookup,
  type Credential,
  type RevokedCredentials,
  type RotatedToken,
} from './credentials.js';
export {
  createDevice,
  deleteDevice,
  disableDevice,
  enableDevice,
  findDevice,
  listDevices,
  type CreatedDevice,
  type Device,
  type DeviceChange,
  type DeviceListItem,
  type DeviceWithOrg,
} from './devices.js';
export { isUniqueViolation, ProvisioningError, type ProvisioningErrorCode } from './errors.js';
export type { DeviceControlEvent } from './events.js';
export { checkDeviceName, checkSlug, isUuid, slugify } from './names.js';
export {
  createOrganization,
  createTenant,
  findOrganization,
  findTenant,
  type Organization,
  type Tenant,
} from './organizations.js';
export { generateDeviceToken, hashSecret, normalizeFingerprint } from './secrets.js';
export type { Actor, Tx } from './tx.js';
