// Every API call the web app makes, with the JSON shapes it relies on. Kept in one file so that a route change
// on the server is a one-place change here.
import { currentOrg, queryString, request, type Query } from './http.js';

export type Role = 'owner' | 'admin' | 'operator' | 'viewer';

export interface Organization { id: string; name: string; slug: string; role: Role; tenantIds: string[] | null }
export interface Me { user: { id: string; email: string; name: string | null }; organizations: Organization[]; csrfToken: string | null }
export interface Tenant { id: string; organizationId?: string; name: string; slug: string; createdAt: string; deviceCount?: number }
export interface Device {
  id: string; tenantId: string; name: string; labels: Record<string, string>; createdAt: string;
  lastSeenAt: string | null; online: boolean; disabled: boolean; disabledAt: string | null; messagesPerMinute: number;
}
export interface Credential {
  id: string; kind: 'token' | 'x509'; label: string | null; createdAt: string; expiresAt: string | null;
  revokedAt: string | null; lastUsedAt: string | null;
}
export interface CreatedDevice { device: Device; token: string; credentialId?: string }
export interface ImportRow { line: number; name: string; ok: boolean; deviceId: string | null; token: string | null; error: string | null }
export interface LogRow { time: string; receivedAt?: string; deviceId: string; deviceName?: string; seq: string | number; severity: number; message: string; attrs?: Record<string, unknown> | null }
export interface LogPage { items: LogRow[]; nextCursor: string | null }
export interface HistogramBucket { t: string; count: number }
export interface SeriesPoint { t: string; value: number | null }
export interface Series { deviceId: string; metric: string; points: SeriesPoint[] }
export interface TelemetryResult { bucketSeconds?: number; bucket?: string; series: Series[] }
export interface LastValue { deviceId: string; metric: string; time: string; value: number }
export interface Fleet {
  tenants: number; devices: number; online: number; disabled?: number;
  storage: { mode: string; edition: string | null; hypertables?: string[] };
  logsLastHour?: number;
}
export interface AuditEntry { id: string | number; at: string; actor: string; action: string; targetType: string | null; targetId: string | null; tenantId?: string | null; details: unknown }
export interface Member { userId: string; email: string; name: string | null; role: Role; tenantIds: string[] | null; createdAt: string }
export interface ApiToken { id: string; name: string; role: Role; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }

/** Unwraps `{ items: [...] }` or a bare array. */
function items<T>(body: T[] | { items: T[] }): T[] {
  return Array.isArray(body) ? body : body.items;
}

export interface LogQuery extends Query {
  tenantId: string;
  from?: string; to?: string; q?: string; deviceId?: string[]; severity?: number; label?: string[]; cursor?: string; limit?: number;
}

export const api = {
  // session (organization scope travels as the x-org-id header, see http.ts)
  me: () => request<Me>('GET', '/api/auth/me'),
  setupNeeded: () => request<{ needed: boolean }>('GET', '/api/setup'),
  setup: (body: { email: string; password: string; name?: string; organization: string }) => request<Me>('POST', '/api/setup', { body }),
  login: (body: { email: string; password: string }) => request<Me>('POST', '/api/auth/login', { body }),
  logout: () => request<void>('POST', '/api/auth/logout'),

  // tenants
  tenants: () => request<Tenant[] | { items: Tenant[] }>('GET', '/api/tenants').then(items),
  createTenant: (body: { name: string; slug?: string }) => request<Tenant>('POST', '/api/tenants', { body }),
  deleteTenant: (id: string) => request<void>('DELETE', `/api/tenants/${id}`),

  // devices
  devices: (tenantId: string, query?: Query) => request<{ items: Device[]; nextCursor: string | null }>('GET', '/api/devices', { query: { tenantId, limit: 1000, ...query } }).then(items),
  createDevice: (tenantId: string, body: { name: string; labels?: Record<string, string> }) => request<CreatedDevice>('POST', '/api/devices', { body: { tenantId, ...body } }),
  importDevices: (tenantId: string, csv: string) => request<{ created: number; failed: number; rows: ImportRow[] }>('POST', '/api/devices/import', { body: { tenantId, csv } }),
  updateDevice: (id: string, body: { name?: string; labels?: Record<string, string> }) => request<Device>('PATCH', `/api/devices/${id}`, { body }),
  disableDevice: (id: string) => request<Device>('POST', `/api/devices/${id}/disable`),
  enableDevice: (id: string) => request<Device>('POST', `/api/devices/${id}/enable`),
  deleteDevice: (id: string) => request<void>('DELETE', `/api/devices/${id}`),
  credentials: (id: string) => request<Credential[] | { items: Credential[] }>('GET', `/api/devices/${id}/credentials`).then(items),
  rotateToken: (id: string, revokeOthers = false) => request<{ credential: Credential; token: string | null }>('POST', `/api/devices/${id}/credentials/rotate`, { body: { revokeOthers } }),
  revokeCredential: (deviceId: string, credentialId: string) => request<void>('DELETE', `/api/devices/${deviceId}/credentials/${credentialId}`),

  // logs (EventSource and download links cannot send headers: the organization goes in ?orgId=)
  logs: (query: LogQuery) => request<LogPage>('GET', '/api/logs', { query }),
  histogram: (query: LogQuery) => request<{ buckets: HistogramBucket[] } | HistogramBucket[]>('GET', '/api/logs/histogram', { query }).then((b) => (Array.isArray(b) ? b : b.buckets)),
  tailUrl: (query: Query) => `/api/logs/tail${queryString({ ...query, orgId: currentOrg() })}`,
  exportUrl: (query: Query, format: 'csv' | 'ndjson') => `/api/logs/export${queryString({ ...query, format, orgId: currentOrg() })}`,

  // telemetry
  metrics: (tenantId: string, deviceIds: string[]) => request<string[] | { items: string[] }>('GET', '/api/telemetry/metrics', { query: { tenantId, deviceId: deviceIds } }).then(items),
  series: (query: Query) => request<TelemetryResult>('GET', '/api/telemetry/series', { query }),
  lastValues: (query: Query) => request<LastValue[] | { items: LastValue[] }>('GET', '/api/telemetry/last', { query }).then(items),

  // fleet, audit, access
  fleet: () => request<Fleet>('GET', '/api/fleet'),
  audit: (query: Query) => request<{ items: AuditEntry[]; nextCursor: string | null }>('GET', '/api/audit', { query }),
  members: () => request<Member[] | { items: Member[] }>('GET', '/api/members').then(items),
  addMember: (body: { email: string; role: Role; name?: string }) => request<{ member: Member; oneTimePassword: string | null }>('POST', '/api/members', { body }),
  removeMember: (userId: string) => request<void>('DELETE', `/api/members/${userId}`),
  setRole: (userId: string, role: Role) => request<Member>('PATCH', `/api/members/${userId}`, { body: { role } }),
  apiTokens: () => request<ApiToken[] | { items: ApiToken[] }>('GET', '/api/tokens').then(items),
  createApiToken: (body: { name: string; role: Role }) => request<{ token: string; apiToken: ApiToken }>('POST', '/api/tokens', { body }),
  revokeApiToken: (id: string) => request<void>('DELETE', `/api/tokens/${id}`),
};
