/**
 * The service's environment (the variables of contracts/env.ts), built from the stack config and its
 * sizing. Pure, so the exact variables the app receives are tested without the mock engine.
 */
import { apiKeyEnvOf, Env, OTEL_SERVICE_NAME_ENV, SERVICE_PORT, SERVICE_ROLE_NAME, type Upstream } from "../contracts";
import type { StackConfig } from "./config";
import type { StackSizing } from "./sizing";

/** Container Apps secret names: lower case, digits and dashes. */
export function apiKeySecretName(upstream: Pick<Upstream, "name">): string {
  return `upstream-${upstream.name}-api-key`;
}

export const REDIS_URL_SECRET = "redis-url";
/** The Redis access key alone: the open-sessions scale rule's password (KEDA's redis scaler takes no URL). */
export const REDIS_KEY_SECRET = "redis-key";

/**
 * Several regions (stacks/regions.ts): the region's name, and the other regions' Redis URLs (a secret:
 * they carry the access keys), comma-separated. Spelled here until contracts/env.ts carries them.
 */
export const REGION_ENV = "REGION";
export const PEER_REDIS_URLS_ENV = "PEER_REDIS_URLS";
/** The Container Apps secret the app reads PEER_REDIS_URLS from, and its Key Vault secret in each region's vault. */
export const PEER_REDIS_URLS_SECRET = "peer-redis-urls";
/**
 * The salt of the pseudonymous user in cost records and session logs (COST_RECORD_SALT), from the stack's
 * optional `costRecordSalt` secret: without it the records and logs carry no user at all.
 */
export const COST_RECORD_SALT_SECRET = "cost-record-salt";

/** The UPSTREAMS variable: the stack's entries as they are (the same schema parses them); keys are only named. */
export function upstreamsJson(upstreams: Upstream[]): string {
  return JSON.stringify(upstreams);
}

export interface EnvVar {
  name: string;
  value?: string;
  secretRef?: string;
}

/** Plain variables (no secrets) and secret references; the values that depend on other resources come in `wired`. */
export function serviceEnvironment(
  config: StackConfig,
  sizing: Pick<StackSizing, "maxSessionsPerInstance" | "terminationGraceSeconds">,
  wired: { frontDoorId?: string; appInsightsConnectionString: string; region?: { name: string; upstreams: Upstream[] }; costRecordSalt?: boolean },
): EnvVar[] {
  const env: EnvVar[] = [
    { name: Env.port, value: String(SERVICE_PORT) },
    { name: Env.upstreams, value: upstreamsJson(wired.region?.upstreams ?? config.upstreams) },
    ...config.upstreams.filter((u) => u.auth === "key").map((u) => ({ name: apiKeyEnvOf(u), secretRef: apiKeySecretName(u) })),
    { name: Env.authJwksUrl, value: config.auth.jwksUrl },
    { name: Env.authIssuer, value: config.auth.issuer },
    { name: Env.authAudience, value: config.auth.audience },
    { name: Env.redisUrl, secretRef: REDIS_URL_SECRET },
    { name: Env.sessionMaxMinutes, value: String(config.session.maxMinutes) },
    { name: Env.upstreamRotateMinutes, value: String(config.session.rotateMinutes) },
    { name: Env.terminationGraceSeconds, value: String(sizing.terminationGraceSeconds) },
    { name: Env.maxSessionsPerUser, value: String(config.session.maxPerUser) },
    { name: Env.maxSessionsPerInstance, value: String(sizing.maxSessionsPerInstance) },
    { name: Env.appInsightsConnectionString, value: wired.appInsightsConnectionString },
    // The exporter's cloud_RoleName (the OpenTelemetry resource's service.name); "unknown_service:..." otherwise.
    { name: OTEL_SERVICE_NAME_ENV, value: SERVICE_ROLE_NAME },
  ];
  if (config.allowedOrigins.length > 0) env.push({ name: Env.allowedOrigins, value: config.allowedOrigins.join(",") });
  if (wired.frontDoorId) env.push({ name: Env.frontDoorId, value: wired.frontDoorId });
  // Only a stack given the salt: the others keep exactly the variables they had.
  if (wired.costRecordSalt) env.push({ name: Env.costRecordSalt, secretRef: COST_RECORD_SALT_SECRET });
  // Only a stack with several regions: single-region stacks keep exactly the variables they had.
  if (wired.region) {
    env.push({ name: REGION_ENV, value: wired.region.name });
    env.push({ name: PEER_REDIS_URLS_ENV, secretRef: PEER_REDIS_URLS_SECRET });
  }
  return env;
}
