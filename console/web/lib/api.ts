// Every API call the web app makes, through Hono's typed client (`hc<AppType>`): paths, parameters and
// response shapes are checked against the server at compile time. Pages import `api` and the types below.
import { client, parseResponse } from './client.js';
import { currentOrg, queryString, type Query } from './http.js';

const c = client.api;

/** Log filters as the API takes them (query strings; lists comma-separated). */
export interface LogFilter {
  tenantId?: string;
  deviceIds?: string;
  since?: string;
  from?: string;
  to?: string;
  maxSeverity?: string;
  labels?: string;
  q?: string;
}

/** A JSON body for routes that read it themselves (no validator declared for the typed client). */
function jsonInit(body: unknown) {
  return { init: { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } };
}

export const api = {
  // session (the organization scope travels as the x-org-id header, see http.ts)
  me: () => parseResponse(c.auth.me.$get()),
  setupNeeded: () => parseResponse(c.setup.$get()),
  setup: (json: { email: string; password: string; name?: string; organization: string }) =>
    parseResponse(c.setup.$post({ json })),
  login: (json: { email: string; password: string }) => parseResponse(c.auth.login.$post({ json })),
  logout: () => c.auth.logout.$post(),

  // tenants
  tenants: async () => (await parseResponse(c.tenants.$get())).items,
  createTenant: (json: { name: string; slug?: string }) => parseResponse(c.tenants.$post({ json })),
  deleteTenant: (id: string) => c.tenants[':id'].$delete({ param: { id } }),

  // devices
  devices: async (tenantId: string) =>
    (await parseResponse(c.devices.$get({ query: { tenantId, limit: '1000' } }))).items,
  createDevice: (tenantId: string, json: { name: string; labels?: Record<string, string> }) =>
    parseResponse(c.devices.$post({ json: { tenantId, ...json } })),
  importDevices: (tenantId: string, csv: string) =>
    parseResponse(c.devices.import.$post({ json: { tenantId, csv } })),
  updateDevice: (id: string, json: { name?: string; labels?: Record<string, string> }) =>
    parseResponse(c.devices[':id'].$patch({ param: { id }, json })),
  disableDevice: (id: string) => parseResponse(c.devices[':id'].disable.$post({ param: { id } })),
  enableDevice: (id: string) => parseResponse(c.devices[':id'].enable.$post({ param: { id } })),
  deleteDevice: (id: string) => c.devices[':id'].$delete({ param: { id } }),
  credentials: async (id: string) =>
    (await parseResponse(c.devices[':id'].credentials.$get({ param: { id } }))).items,
  addX509: (id: string, fingerprint: string, label?: string) =>
    parseResponse(
      c.devices[':id'].credentials.$post({ param: { id }, json: { kind: 'x509', fingerprint, label } }),
    ),
  rotateToken: (id: string, revokeOthers = false) =>
    parseResponse(c.devices[':id'].credentials.rotate.$post({ param: { id }, json: { revokeOthers } })),
  revokeCredential: (id: string, credentialId: string) =>
    c.devices[':id'].credentials[':credentialId'].$delete({ param: { id, credentialId } }),

  // logs (EventSource and download links cannot send headers: the organization goes in ?orgId=)
  logs: (query: LogFilter & { cursor?: string; limit?: string }) =>
    parseResponse(c.logs.search.$get({ query })),
  histogram: (query: LogFilter & { buckets?: string }) => parseResponse(c.logs.histogram.$get({ query })),
  tailUrl: (query: LogFilter) => `/api/logs/tail${queryString({ ...(query as Query), orgId: currentOrg() })}`,
  exportUrl: (query: LogFilter, format: 'csv' | 'ndjson') =>
    `/api/logs/export${queryString({ ...(query as Query), format, orgId: currentOrg() })}`,

  // telemetry
  metrics: async (deviceId: string) =>
    (await parseResponse(c.telemetry.metrics.$get({ query: { deviceId } }))).items,
  latest: async (deviceId: string) =>
    (await parseResponse(c.telemetry.latest.$get({ query: { deviceId } }))).items,
  series: (query: {
    deviceIds: string;
    metric: string;
    since?: string;
    from?: string;
    to?: string;
    points?: string;
  }) => parseResponse(c.telemetry.series.$get({ query })),

  // commands and desired configuration (console/src/routes/commands)
  deviceConfig: (id: string) => parseResponse(c.devices[':id'].config.$get({ param: { id } })),
  setDeviceConfig: (id: string, config: Record<string, unknown>) =>
    parseResponse(c.devices[':id'].config.$put({ param: { id } }, jsonInit({ config }))),
  sendCommand: (id: string, name: string, data: unknown) =>
    parseResponse(c.devices[':id'].commands.$post({ param: { id } }, jsonInit({ name, data }))),

  // alerts (engine and API by the alerting package: console/src/routes/{alerts,rules})
  alerts: (query: { tenantId?: string; state?: string; cursor?: string; limit?: string }) =>
    parseResponse(c.alerts.$get({ query })),
  ackAlert: (id: string) => parseResponse(c.alerts[':id'].ack.$post({ param: { id } })),
  silenceAlert: (id: string, minutes: number) =>
    parseResponse(c.alerts[':id'].silence.$post({ param: { id } }, jsonInit({ minutes }))),
  unsilenceAlert: (id: string) => parseResponse(c.alerts[':id'].silence.$delete({ param: { id } })),
  alertStreamUrl: (query: { tenantId?: string }) =>
    `/api/alerts/stream${queryString({ ...(query as Query), orgId: currentOrg() })}`,
  rules: async (tenantId: string) => (await parseResponse(c.rules.$get({ query: { tenantId } }))).items,

  // fleet, audit, access
  fleet: () => parseResponse(c.fleet.$get()),
  audit: (query: { q?: string; cursor?: string; limit?: string }) => parseResponse(c.audit.$get({ query })),
  deadLetters: (query: {
    tenantId?: string;
    deviceId?: string;
    code?: string;
    from?: string;
    to?: string;
    cursor?: string;
    limit?: string;
  }) => parseResponse(c['dead-letters'].$get({ query })),
  deadLetterCodes: (query: { tenantId?: string; deviceId?: string }) =>
    parseResponse(c['dead-letters'].codes.$get({ query })),
  members: async () => (await parseResponse(c.members.$get())).items,
  addMember: (json: { email: string; role: Role; name?: string; tenantIds?: string[] | null }) =>
    parseResponse(c.members.$post({ json })),
  removeMember: (userId: string) => c.members[':userId'].$delete({ param: { userId } }),
  setRole: (userId: string, role: Role) =>
    parseResponse(c.members[':userId'].$patch({ param: { userId }, json: { role } })),
  apiTokens: async () => (await parseResponse(c.tokens.$get())).items,
  createApiToken: (json: { name: string; role: Role }) => parseResponse(c.tokens.$post({ json })),
  revokeApiToken: (id: string) => c.tokens[':id'].$delete({ param: { id } }),
};

type Item<F extends (...args: never[]) => Promise<unknown[]>> = Awaited<ReturnType<F>>[number];

export type Role = 'owner' | 'admin' | 'operator' | 'viewer';
export type Me = Awaited<ReturnType<typeof api.me>>;
export type Organization = Me['organizations'][number];
export type Tenant = Item<typeof api.tenants>;
export type Device = Item<typeof api.devices>;
export type Credential = Item<typeof api.credentials>;
export type CreatedDevice = Awaited<ReturnType<typeof api.createDevice>>;
export type ImportRow = Awaited<ReturnType<typeof api.importDevices>>['rows'][number];
export type LogLine = Awaited<ReturnType<typeof api.logs>>['items'][number];
export type Histogram = Awaited<ReturnType<typeof api.histogram>>;
export type TelemetrySeries = Awaited<ReturnType<typeof api.series>>;
export type Latest = Item<typeof api.latest>;
export type Fleet = Awaited<ReturnType<typeof api.fleet>>;
export type AuditEntry = Awaited<ReturnType<typeof api.audit>>['items'][number];
export type DeadLetter = Awaited<ReturnType<typeof api.deadLetters>>['items'][number];
export type DeadLetterCode = Awaited<ReturnType<typeof api.deadLetterCodes>>['items'][number];
export type Member = Item<typeof api.members>;
export type ApiToken = Item<typeof api.apiTokens>;
export type Alert = Awaited<ReturnType<typeof api.alerts>>['items'][number];
export type Rule = Item<typeof api.rules>;
export type DeviceConfig = Awaited<ReturnType<typeof api.deviceConfig>>;
