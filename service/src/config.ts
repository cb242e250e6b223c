/**
 * The service's configuration: the environment variables of contracts/env.ts, validated once at start
 * into a typed object. Every bad or missing variable is reported at once, by name.
 */
import { z } from "zod";
import {
  COST_RECORD_SALT_MIN_LENGTH,
  apiKeyEnvOf, DEFAULT_SESSIONS_PER_REPLICA, defaultMaxDetachedPerUser, Env, instanceSessionLimit, RESUME_STATE_DEFAULTS, SERVICE_PORT,
  SESSION_DEFAULTS, UpstreamListSchema, type ResumeStateLimits, type Upstream,
} from "../../contracts";

export const DEFAULTS = {
  port: SERVICE_PORT,
  sessionMaxMinutes: SESSION_DEFAULTS.maxMinutes,
  upstreamRotateMinutes: SESSION_DEFAULTS.rotateMinutes,
  maxSessionsPerUser: SESSION_DEFAULTS.maxPerUser,
  sessionIdleMinutes: SESSION_DEFAULTS.idleMinutes,
  resumeTtlSeconds: SESSION_DEFAULTS.resumeTtlSeconds,
  drainDelaySeconds: SESSION_DEFAULTS.drainDelaySeconds,
  terminationGraceSeconds: SESSION_DEFAULTS.terminationGraceSeconds,
  /** All interfaces: the container's ingress reaches it. `npm start` listens on loopback. */
  host: "0.0.0.0",
  maxSessionsPerInstance: instanceSessionLimit(DEFAULT_SESSIONS_PER_REPLICA),
  /**
   * One interview is one session plus a few resumes (a drain, a network change; openai 7 reconnects
   * at most 5 times in a connection's life): 12 a minute leaves room for that and stops a loop.
   */
  userConnectsPerMinute: 12,
  /**
   * Entra ID access tokens live 60-90 minutes by default; other identity providers issue up to a day.
   * A token valid for longer than this is refused: a leaked token must not work for ever.
   */
  authMaxTokenLifetimeMinutes: 24 * 60,
  /** A single-region deployment, and `npm start`. */
  region: "local",
  /**
   * A session's resume state is copied to each peer region at most this often: what a client loses when
   * its region dies is at most this plus the copy's own time (docs/resume-replication.md measures it).
   * 250 ms keeps it under one conversation turn while coalescing the bursts of a turn's events.
   */
  peerCopyIntervalMs: 250,
} as const;

export type UpstreamConfig = Upstream & { apiKey?: string };

const intFrom = (name: string, fallback: number, min = 1) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({ code: "custom", message: `${name} must be a whole number >= ${min}, got "${value}"` });
        return z.NEVER;
      }
      return n;
    });

/** A positive number, fractions allowed (a rotation every 0.05 minutes = 3 s, for tests). */
const positiveFrom = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: "custom", message: `${name} must be a number > 0, got "${value}"` });
        return z.NEVER;
      }
      return n;
    });

const list = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []));

const EnvSchema = z.object({
  [Env.port]: intFrom(Env.port, DEFAULTS.port, 0),
  [Env.host]: z.union([z.ipv4(), z.ipv6(), z.literal("localhost")], { error: "must be an IP address (0.0.0.0 for all interfaces, 127.0.0.1 for loopback)" }).optional(),
  [Env.upstreams]: z.string({ error: "is required (JSON array of upstreams)" }),
  [Env.authJwtSecret]: z.string().optional(),
  [Env.authJwksUrl]: z.url().optional(),
  [Env.authIssuer]: z.string().min(1).optional(),
  [Env.authAudience]: z.string().min(1).optional(),
  [Env.redisUrl]: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).optional(),
  [Env.sessionMaxMinutes]: intFrom(Env.sessionMaxMinutes, DEFAULTS.sessionMaxMinutes),
  [Env.sessionIdleMinutes]: intFrom(Env.sessionIdleMinutes, DEFAULTS.sessionIdleMinutes, 0),
  [Env.resumeTtlSeconds]: intFrom(Env.resumeTtlSeconds, DEFAULTS.resumeTtlSeconds),
  [Env.drainDelaySeconds]: intFrom(Env.drainDelaySeconds, DEFAULTS.drainDelaySeconds, 0),
  [Env.terminationGraceSeconds]: intFrom(Env.terminationGraceSeconds, DEFAULTS.terminationGraceSeconds),
  [Env.upstreamRotateMinutes]: positiveFrom(Env.upstreamRotateMinutes, DEFAULTS.upstreamRotateMinutes),
  [Env.maxSessionsPerUser]: intFrom(Env.maxSessionsPerUser, DEFAULTS.maxSessionsPerUser),
  [Env.maxSessionsPerInstance]: intFrom(Env.maxSessionsPerInstance, DEFAULTS.maxSessionsPerInstance),
  [Env.resumeItemMaxBytes]: intFrom(Env.resumeItemMaxBytes, RESUME_STATE_DEFAULTS.itemMaxBytes, 256),
  [Env.resumeConversationMaxBytes]: intFrom(Env.resumeConversationMaxBytes, RESUME_STATE_DEFAULTS.conversationMaxBytes, 256),
  [Env.resumeConfigMaxBytes]: intFrom(Env.resumeConfigMaxBytes, RESUME_STATE_DEFAULTS.configMaxBytes, 256),
  [Env.maxDetachedPerUser]: z.string().optional(),
  [Env.allowedOrigins]: list,
  [Env.frontDoorId]: list,
  [Env.region]: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a region name: lowercase letters, digits and hyphens (e.g. swedencentral)").optional(),
  [Env.peerRedisUrls]: list,
  [Env.peerCopyIntervalMs]: intFrom(Env.peerCopyIntervalMs, DEFAULTS.peerCopyIntervalMs, 10),
  [Env.appInsightsConnectionString]: z.string().min(1).optional(),
  [Env.costRecordSalt]: z.string().min(COST_RECORD_SALT_MIN_LENGTH, `must be at least ${COST_RECORD_SALT_MIN_LENGTH} characters`).optional(),
  [Env.userConnectsPerMinute]: intFrom(Env.userConnectsPerMinute, DEFAULTS.userConnectsPerMinute),
  [Env.authMaxTokenLifetimeMinutes]: intFrom(Env.authMaxTokenLifetimeMinutes, DEFAULTS.authMaxTokenLifetimeMinutes),
  [Env.adminPort]: intFrom(Env.adminPort, -1, 0),
  [Env.testPage]: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).optional().transform((v) => v === "true"),
});

export type AuthConfig = (
  | { mode: "hs256"; secret: string; issuer?: string; audience?: string }
  | { mode: "oidc"; jwksUrl: string; issuer: string; audience: string }
) & { /** Longest accepted distance from now to a token's `exp`. */ maxLifetimeMinutes: number };

export interface ServiceConfig {
  port: number;
  host: string;
  upstreams: UpstreamConfig[];
  auth: AuthConfig;
  redisUrl?: string;
  /** This deployment's region (REGION). */
  region: string;
  /** The other regions' Redis (PEER_REDIS_URLS): resume state is replicated there (registry/replication.ts). */
  peerRedisUrls: string[];
  peerCopyIntervalMs: number;
  sessionMaxMinutes: number;
  /** 0: no idle limit. */
  sessionIdleMinutes: number;
  resumeTtlSeconds: number;
  drainDelaySeconds: number;
  /** SIGTERM to SIGKILL: every drain step is derived from it (session/drain.ts). */
  terminationGraceSeconds: number;
  upstreamRotateMinutes: number;
  maxSessionsPerUser: number;
  maxSessionsPerInstance: number;
  /** Bounds of each session's resume state (bytes) and of the detached sessions a user keeps. */
  resumeState: ResumeStateLimits;
  allowedOrigins: string[];
  /** Front Door profile ids whose X-Azure-FDID is accepted; empty: no check. */
  frontDoorIds: string[];
  appInsightsConnectionString?: string;
  /** Salt of the pseudonymous user id in cost records; without it the records carry no user. */
  costRecordSalt?: string;
  /** Serve the browser test page at `/` (service/src/server/page.ts). */
  testPage: boolean;
  userConnectsPerMinute: number;
  /** The operators' listener (/metrics, detailed /readyz); undefined: not served. */
  adminPort?: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Pure: reads only the given environment. Throws ConfigError naming every bad variable. */
export function loadConfig(rawEnv: Record<string, string | undefined>): ServiceConfig {
  // An empty variable is an unset one (templates and `VAR=` lines produce them).
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ""));
  const problems: string[] = [];
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".")}: ${issue.message}`);
  }
  const vars = parsed.success ? parsed.data : undefined;

  // UPSTREAMS is parsed even when another variable failed, so every problem is reported in one go.
  let upstreams: UpstreamConfig[] = [];
  if (typeof env.UPSTREAMS === "string") {
    let json: unknown;
    try {
      json = JSON.parse(env.UPSTREAMS);
    } catch {
      problems.push("UPSTREAMS: is not valid JSON");
    }
    if (json !== undefined) {
      const result = UpstreamListSchema.safeParse(json);
      if (!result.success) {
        for (const issue of result.error.issues) problems.push(`UPSTREAMS${issue.path.map((p) => `[${JSON.stringify(p)}]`).join("")}: ${issue.message}`);
      } else {
        for (const upstream of result.data) {
          if (upstream.auth !== "key") {
            upstreams.push(upstream);
            continue;
          }
          const keyEnv = apiKeyEnvOf(upstream);
          const key = env[keyEnv];
          if (!key) problems.push(`${keyEnv}: is required (API key of upstream "${upstream.name}")`);
          upstreams.push({ ...upstream, apiKey: key });
        }
      }
    }
  }

  let auth: AuthConfig | undefined;
  const oidc = [env.AUTH_JWKS_URL, env.AUTH_ISSUER, env.AUTH_AUDIENCE];
  if (env.AUTH_JWT_SECRET) {
    // HS256 (local and simple setups): issuer and audience are checked when set, like OIDC's.
    if (env.AUTH_JWKS_URL) problems.push("AUTH_JWT_SECRET: set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both");
    const weak = secretWeakness(env.AUTH_JWT_SECRET);
    if (weak) problems.push(`AUTH_JWT_SECRET: ${weak}`);
    else if (vars?.AUTH_JWT_SECRET) auth = { mode: "hs256", secret: vars.AUTH_JWT_SECRET, issuer: vars.AUTH_ISSUER, audience: vars.AUTH_AUDIENCE, maxLifetimeMinutes: vars.AUTH_MAX_TOKEN_LIFETIME_MINUTES };
  } else if (oidc.every(Boolean)) {
    if (vars?.AUTH_JWKS_URL && vars.AUTH_ISSUER && vars.AUTH_AUDIENCE) {
      auth = { mode: "oidc", jwksUrl: vars.AUTH_JWKS_URL, issuer: vars.AUTH_ISSUER, audience: vars.AUTH_AUDIENCE, maxLifetimeMinutes: vars.AUTH_MAX_TOKEN_LIFETIME_MINUTES };
    }
  } else if (oidc.some(Boolean)) {
    const missing = ["AUTH_JWKS_URL", "AUTH_ISSUER", "AUTH_AUDIENCE"].filter((_, i) => !oidc[i]);
    problems.push(`${missing.join(", ")}: required with the other OIDC variables`);
  } else {
    problems.push("AUTH_JWT_SECRET: user authentication is required: set AUTH_JWT_SECRET, or AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE");
  }

  const resumeState = vars ? resumeStateLimits(vars, env[Env.maxDetachedPerUser], problems) : undefined;
  if (vars) peerProblems(vars.PEER_REDIS_URLS, vars.REDIS_URL, problems);

  if (problems.length > 0 || !vars || !auth || !resumeState) throw new ConfigError(problems);
  return {
    port: vars.PORT,
    host: vars.HOST ?? DEFAULTS.host,
    upstreams,
    auth,
    redisUrl: vars.REDIS_URL,
    region: vars.REGION ?? DEFAULTS.region,
    peerRedisUrls: vars.PEER_REDIS_URLS,
    peerCopyIntervalMs: vars.PEER_COPY_INTERVAL_MS,
    sessionMaxMinutes: vars.SESSION_MAX_MINUTES,
    sessionIdleMinutes: vars.SESSION_IDLE_MINUTES,
    resumeTtlSeconds: vars.RESUME_TTL_SECONDS,
    drainDelaySeconds: vars.DRAIN_DELAY_SECONDS,
    terminationGraceSeconds: vars.TERMINATION_GRACE_SECONDS,
    upstreamRotateMinutes: vars.UPSTREAM_ROTATE_MINUTES,
    maxSessionsPerUser: vars.MAX_SESSIONS_PER_USER,
    maxSessionsPerInstance: vars.MAX_SESSIONS_PER_INSTANCE,
    resumeState,
    allowedOrigins: vars.ALLOWED_ORIGINS,
    frontDoorIds: vars.FRONT_DOOR_ID,
    appInsightsConnectionString: vars.APPLICATIONINSIGHTS_CONNECTION_STRING,
    costRecordSalt: vars.COST_RECORD_SALT,
    testPage: vars.TEST_PAGE,
    userConnectsPerMinute: vars.USER_CONNECTS_PER_MINUTE,
    adminPort: vars.ADMIN_PORT === -1 ? undefined : vars.ADMIN_PORT,
  };
}

/**
 * PEER_REDIS_URLS: each a redis:// or rediss:// URL, none twice, none this region's own REDIS_URL, and
 * only with REDIS_URL (the in-process store holds one instance's sessions: nothing to replicate).
 */
function peerProblems(peers: string[], redisUrl: string | undefined, problems: string[]): void {
  for (const peer of peers) {
    let url: URL | undefined;
    try {
      url = new URL(peer);
    } catch {
      url = undefined;
    }
    // The URL itself is not repeated: it may carry a password.
    if (!url || !/^rediss?:$/.test(url.protocol) || !url.hostname) problems.push(`${Env.peerRedisUrls}: every entry must be a redis:// or rediss:// URL (entry ${peers.indexOf(peer) + 1} is not)`);
  }
  if (new Set(peers).size !== peers.length) problems.push(`${Env.peerRedisUrls}: a URL is listed twice`);
  if (peers.length > 0 && !redisUrl) problems.push(`${Env.peerRedisUrls}: needs ${Env.redisUrl} (this region's own Redis)`);
  if (redisUrl && peers.includes(redisUrl)) problems.push(`${Env.peerRedisUrls}: must not list this region's own ${Env.redisUrl}`);
}

/** The resume-state bounds, checked against each other; problems are named by variable. */
function resumeStateLimits(
  vars: { RESUME_ITEM_MAX_BYTES: number; RESUME_CONVERSATION_MAX_BYTES: number; RESUME_CONFIG_MAX_BYTES: number; MAX_SESSIONS_PER_USER: number },
  detachedRaw: string | undefined,
  problems: string[],
): ResumeStateLimits | undefined {
  const before = problems.length;
  let maxDetachedPerUser = defaultMaxDetachedPerUser(vars.MAX_SESSIONS_PER_USER);
  if (detachedRaw !== undefined) {
    const n = Number(detachedRaw);
    // A drain detaches every live session of a user at once: fewer slots would make it evict the user's own sessions.
    if (!Number.isInteger(n) || n < vars.MAX_SESSIONS_PER_USER) {
      problems.push(`${Env.maxDetachedPerUser}: must be a whole number >= MAX_SESSIONS_PER_USER (${vars.MAX_SESSIONS_PER_USER}), got "${detachedRaw}"`);
    } else maxDetachedPerUser = n;
  }
  if (vars.RESUME_ITEM_MAX_BYTES > vars.RESUME_CONVERSATION_MAX_BYTES) {
    problems.push(`${Env.resumeItemMaxBytes}: must not exceed ${Env.resumeConversationMaxBytes} (${vars.RESUME_CONVERSATION_MAX_BYTES}), got ${vars.RESUME_ITEM_MAX_BYTES}`);
  }
  if (problems.length > before) return undefined;
  return {
    itemMaxBytes: vars.RESUME_ITEM_MAX_BYTES,
    conversationMaxBytes: vars.RESUME_CONVERSATION_MAX_BYTES,
    maxItems: RESUME_STATE_DEFAULTS.maxItems,
    configMaxBytes: vars.RESUME_CONFIG_MAX_BYTES,
    maxDetachedPerUser,
  };
}

/**
 * Why an HS256 secret is too weak, or undefined: at least 32 characters, 8 distinct ones, and 100 bits
 * by a crude estimate (length x log2 of the distinct characters used), so "aaaa...a" or "abab...ab"
 * fail while 32 random hex digits (`openssl rand -hex 16`) or base64 pass.
 */
export function secretWeakness(secret: string): string | undefined {
  if (secret.length < 32) return "must be at least 32 characters (HS256 key)";
  const distinct = new Set(secret).size;
  const bits = secret.length * Math.log2(Math.max(1, distinct));
  if (distinct < 8 || bits < 100) return `too predictable (${distinct} distinct characters, about ${Math.floor(bits)} bits); use 32+ random bytes, e.g. openssl rand -base64 48`;
  return undefined;
}
