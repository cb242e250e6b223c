/**
 * The service's environment (DESIGN.md "Service configuration"), built from the stack config. Pure,
 * so the exact variables the app receives are tested without the mock engine.
 */
import type { StackConfig, UpstreamSpec } from "./config";
import { maxSessionsPerInstance } from "./derived";

export function apiKeyEnvName(upstream: Pick<UpstreamSpec, "name">): string {
  return `UPSTREAM_${upstream.name.toUpperCase().replace(/-/g, "_")}_API_KEY`;
}

/** Container Apps secret names: lower case, digits and dashes. */
export function apiKeySecretName(upstream: Pick<UpstreamSpec, "name">): string {
  return `upstream-${upstream.name}-api-key`;
}

export const REDIS_URL_SECRET = "redis-url";

/** The UPSTREAMS variable: what the proxy may connect to, by priority. Keys are only named, never included. */
export function upstreamsJson(upstreams: UpstreamSpec[]): string {
  return JSON.stringify(upstreams.map((u) => ({
    name: u.name,
    url: u.endpoint,
    kind: u.kind,
    priority: u.priority,
    auth: u.auth,
    ...(u.auth === "key" ? { apiKeyEnv: apiKeyEnvName(u) } : {}),
    ...(u.model ? { model: u.model } : {}),
    ...(u.deployment ? { deployment: u.deployment } : {}),
    ...(u.apiVersion ? { apiVersion: u.apiVersion } : {}),
    region: u.region,
  })));
}

export interface EnvVar {
  name: string;
  value?: string;
  secretRef?: string;
}

/** Plain variables (no secrets) and secret references; the values that depend on other resources come in `wired`. */
export function serviceEnvironment(config: StackConfig, wired: { frontDoorId?: string; appInsightsConnectionString: string }): EnvVar[] {
  const env: EnvVar[] = [
    { name: "PORT", value: "3000" },
    { name: "UPSTREAMS", value: upstreamsJson(config.upstreams) },
    ...config.upstreams.filter((u) => u.auth === "key").map((u) => ({ name: apiKeyEnvName(u), secretRef: apiKeySecretName(u) })),
    { name: "AUTH_JWKS_URL", value: config.auth.jwksUrl },
    { name: "AUTH_ISSUER", value: config.auth.issuer },
    { name: "AUTH_AUDIENCE", value: config.auth.audience },
    { name: "REDIS_URL", secretRef: REDIS_URL_SECRET },
    { name: "SESSION_MAX_MINUTES", value: String(config.session.maxMinutes) },
    { name: "UPSTREAM_ROTATE_MINUTES", value: String(config.session.rotateMinutes) },
    { name: "MAX_SESSIONS_PER_USER", value: String(config.session.maxPerUser) },
    { name: "MAX_SESSIONS_PER_INSTANCE", value: String(maxSessionsPerInstance(config.sessionsPerReplica)) },
    { name: "APPLICATIONINSIGHTS_CONNECTION_STRING", value: wired.appInsightsConnectionString },
  ];
  if (config.allowedOrigins.length > 0) env.push({ name: "ALLOWED_ORIGINS", value: config.allowedOrigins.join(",") });
  if (wired.frontDoorId) env.push({ name: "FRONT_DOOR_ID", value: wired.frontDoorId });
  if (config.budget.catalog) env.push({ name: "PRICING_CATALOG", value: config.budget.catalog });
  return env;
}
