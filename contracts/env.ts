/**
 * The service's environment variables: the infrastructure sets them (stacks/serviceEnv.ts), the service
 * reads them (service/src/config.ts). Spelled once, here.
 */
export const Env = {
  port: "PORT",
  host: "HOST",
  upstreams: "UPSTREAMS",
  authJwtSecret: "AUTH_JWT_SECRET",
  authJwksUrl: "AUTH_JWKS_URL",
  authIssuer: "AUTH_ISSUER",
  authAudience: "AUTH_AUDIENCE",
  redisUrl: "REDIS_URL",
  sessionMaxMinutes: "SESSION_MAX_MINUTES",
  sessionIdleMinutes: "SESSION_IDLE_MINUTES",
  resumeTtlSeconds: "RESUME_TTL_SECONDS",
  drainDelaySeconds: "DRAIN_DELAY_SECONDS",
  upstreamRotateMinutes: "UPSTREAM_ROTATE_MINUTES",
  maxSessionsPerUser: "MAX_SESSIONS_PER_USER",
  maxSessionsPerInstance: "MAX_SESSIONS_PER_INSTANCE",
  allowedOrigins: "ALLOWED_ORIGINS",
  frontDoorId: "FRONT_DOOR_ID",
  appInsightsConnectionString: "APPLICATIONINSIGHTS_CONNECTION_STRING",
  /** Salt of the pseudonymous user id in cost records (at least 16 characters; a secret). */
  costRecordSalt: "COST_RECORD_SALT",
  pricingCatalog: "PRICING_CATALOG",
  /** "true": the proxy serves its browser test page at `/` (off by default, and in prod). */
  testPage: "TEST_PAGE",
} as const;

export type EnvName = (typeof Env)[keyof typeof Env];
