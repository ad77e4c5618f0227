import { pgEnum } from 'drizzle-orm/pg-core';

/** Role of a user in an organization (memberships, api tokens). */
export const memberRole = pgEnum('member_role', ['owner', 'admin', 'operator', 'viewer']);

/** How a device credential authenticates: a bearer token or an X.509 client-certificate fingerprint. */
export const credentialKind = pgEnum('credential_kind', ['token', 'x509']);

export const alertRuleKind = pgEnum('alert_rule_kind', ['threshold', 'log_match', 'no_data']);

export const alertState = pgEnum('alert_state', ['pending', 'firing', 'resolved']);
