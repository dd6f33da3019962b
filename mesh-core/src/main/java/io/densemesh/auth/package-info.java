/**
 * Client identity and authorisation, independent of gRPC and HTTP: bearer credentials (JWTs
 * verified against a key set, hashed API keys) become a {@link io.densemesh.auth.Principal}
 * (tenant and role); {@link io.densemesh.auth.AccessRules} decides what a principal may do with a
 * resource of some tenant; {@link io.densemesh.auth.TenantRates} holds per-tenant request rates.
 * The transports call these once at the edge of each call.
 */
package io.densemesh.auth;
