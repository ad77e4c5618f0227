// Who is signed in, which organization and tenant the operator is looking at. The selection survives reloads.
import { api, type Me, type Tenant } from './api.js';
import { setCsrfToken, setOrg, setUnauthorizedHandler } from './http.js';
import { ApiError } from './problem.js';

const ORG_KEY = 'iotlog.org';
const TENANT_KEY = 'iotlog.tenant';

class Session {
  me: Me | null = $state(null);
  /** undefined until the first /me answer; then true when no operator exists yet (first-run setup). */
  setupNeeded: boolean | undefined = $state(undefined);
  loaded = $state(false);
  orgId: string | null = $state(localStorage.getItem(ORG_KEY));
  tenantId: string | null = $state(localStorage.getItem(TENANT_KEY));
  tenants: Tenant[] = $state([]);

  constructor() {
    setUnauthorizedHandler(() => {
      this.me = null;
      setCsrfToken(undefined);
    });
  }

  get org() {
    return this.me?.organizations.find((o) => o.id === this.orgId) ?? null;
  }
  get tenant() {
    return this.tenants.find((t) => t.id === this.tenantId) ?? null;
  }

  /** Loads the signed-in operator, or learns that nobody is signed in (401) or that setup is needed. */
  async load(): Promise<void> {
    setOrg(this.orgId ?? undefined);
    try {
      this.adopt(await api.me());
    } catch (err) {
      if (!(err instanceof ApiError) || (err.problem.status !== 401 && err.problem.status !== 403)) throw err;
      this.me = null;
      const s = await api.setupNeeded();
      this.setupNeeded = s.needed;
    } finally {
      this.loaded = true;
    }
    if (this.me) await this.refreshTenants();
  }

  adopt(me: Me): void {
    this.me = me;
    this.setupNeeded = false;
    setCsrfToken(me.csrfToken);
    const first = me.organizations[0];
    if (!me.organizations.some((o) => o.id === this.orgId)) this.selectOrg(first?.id ?? null);
  }

  selectOrg(id: string | null): void {
    this.orgId = id;
    setOrg(id ?? undefined);
    if (id) localStorage.setItem(ORG_KEY, id);
    else localStorage.removeItem(ORG_KEY);
  }

  selectTenant(id: string | null): void {
    this.tenantId = id;
    if (id) localStorage.setItem(TENANT_KEY, id);
    else localStorage.removeItem(TENANT_KEY);
  }

  async refreshTenants(): Promise<void> {
    if (!this.orgId) {
      this.tenants = [];
      return;
    }
    this.tenants = await api.tenants();
    if (!this.tenants.some((t) => t.id === this.tenantId)) this.selectTenant(this.tenants[0]?.id ?? null);
  }

  async signOut(): Promise<void> {
    await api.logout();
    this.me = null;
    this.tenants = [];
    setCsrfToken(undefined);
  }
}

export const session = new Session();
