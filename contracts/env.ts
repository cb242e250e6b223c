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
  /** The platform's grace between SIGTERM and SIGKILL (Container Apps terminationGracePeriodSeconds): the drain fits in it. */
  terminationGraceSeconds: "TERMINATION_GRACE_SECONDS",
  upstreamRotateMinutes: "UPSTREAM_ROTATE_MINUTES",
  maxSessionsPerUser: "MAX_SESSIONS_PER_USER",
  maxSessionsPerInstance: "MAX_SESSIONS_PER_INSTANCE",
  /** Resume-state bounds in bytes (contracts/resumeState.ts): one item, a session's items, its configuration. */
  resumeItemMaxBytes: "RESUME_ITEM_MAX_BYTES",
  resumeConversationMaxBytes: "RESUME_CONVERSATION_MAX_BYTES",
  resumeConfigMaxBytes: "RESUME_CONFIG_MAX_BYTES",
  /** Detached (resumable, unconnected) sessions one user may keep; default twice MAX_SESSIONS_PER_USER. */
  maxDetachedPerUser: "MAX_DETACHED_PER_USER",
  allowedOrigins: "ALLOWED_ORIGINS",
  /** Comma-separated Front Door profile ids (several profiles may front one stack): X-Azure-FDID must be one of them. */
  frontDoorId: "FRONT_DOOR_ID",
  /** This deployment's region name (e.g. "swedencentral"); written into each session's resume state as the writer's region. */
  region: "REGION",
  /** Comma-separated redis:// or rediss:// URLs of the other regions' Redis: resume state is copied there, and read from there on a resume. */
  peerRedisUrls: "PEER_REDIS_URLS",
  /** Least time between two copies of one session's resume state to one peer region (ms). */
  peerCopyIntervalMs: "PEER_COPY_INTERVAL_MS",
  appInsightsConnectionString: "APPLICATIONINSIGHTS_CONNECTION_STRING",
  /** Salt of the pseudonymous user id in cost records (at least 16 characters; a secret). */
  costRecordSalt: "COST_RECORD_SALT",
  pricingCatalog: "PRICING_CATALOG",
  /** "true": the proxy serves its browser test page at `/` (off by default, and in prod). */
  testPage: "TEST_PAGE",
  /** New sessions and resumes one user may start a minute, across instances. */
  userConnectsPerMinute: "USER_CONNECTS_PER_MINUTE",
  /** Tokens whose `exp` is further than this from now are refused. */
  authMaxTokenLifetimeMinutes: "AUTH_MAX_TOKEN_LIFETIME_MINUTES",
  /** Port of the operators' listener: /metrics and the detailed /readyz (unset: not served). */
  adminPort: "ADMIN_PORT",
} as const;

export type EnvName = (typeof Env)[keyof typeof Env];

/** The shortest salt the service accepts for COST_RECORD_SALT (the program checks the stack secret against it too). */
export const COST_RECORD_SALT_MIN_LENGTH = 16;
