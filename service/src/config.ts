/**
 * The service's configuration: the environment variables of DESIGN.md, validated once at start into a
 * typed object. Every bad or missing variable is reported at once, by name.
 */
import { z } from "zod";

export const DEFAULTS = {
  port: 3000,
  sessionMaxMinutes: 45,
  upstreamRotateMinutes: 9,
  maxSessionsPerUser: 2,
  /** Without a stack-derived value: what one replica of 1 vCPU comfortably relays (see docs/architecture.md). */
  maxSessionsPerInstance: 100,
} as const;

const UpstreamSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, "lower-case letters, digits and dashes"),
    url: z.url({ protocol: /^(https?|wss?)$/ }),
    kind: z.enum(["voice-live", "azure-openai"]),
    priority: z.number().int().min(1),
    auth: z.enum(["key", "entra"]).default("key"),
    apiKeyEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/, "an environment variable name").optional(),
    /** Voice Live model the client may ask for (or that is used when it names none). */
    model: z.string().min(1).optional(),
    /** Azure OpenAI deployment name. */
    deployment: z.string().min(1).optional(),
    apiVersion: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
  })
  .superRefine((u, ctx) => {
    if (u.auth === "key" && !u.apiKeyEnv) ctx.addIssue({ code: "custom", path: ["apiKeyEnv"], message: "required when auth is key" });
    if (u.kind === "voice-live" && !u.model) ctx.addIssue({ code: "custom", path: ["model"], message: "required for voice-live" });
    if (u.kind === "azure-openai" && !u.deployment) ctx.addIssue({ code: "custom", path: ["deployment"], message: "required for azure-openai" });
  });

export type UpstreamConfig = z.infer<typeof UpstreamSchema> & { apiKey?: string };

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

const list = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []));

const EnvSchema = z.object({
  PORT: intFrom("PORT", DEFAULTS.port, 0),
  UPSTREAMS: z.string({ error: "is required (JSON array of upstreams)" }),
  AUTH_JWT_SECRET: z.string().min(32, "must be at least 32 characters (HS256 key)").optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).optional(),
  SESSION_MAX_MINUTES: intFrom("SESSION_MAX_MINUTES", DEFAULTS.sessionMaxMinutes),
  UPSTREAM_ROTATE_MINUTES: intFrom("UPSTREAM_ROTATE_MINUTES", DEFAULTS.upstreamRotateMinutes),
  MAX_SESSIONS_PER_USER: intFrom("MAX_SESSIONS_PER_USER", DEFAULTS.maxSessionsPerUser),
  MAX_SESSIONS_PER_INSTANCE: intFrom("MAX_SESSIONS_PER_INSTANCE", DEFAULTS.maxSessionsPerInstance),
  ALLOWED_ORIGINS: list,
  FRONT_DOOR_ID: z.string().min(1).optional(),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
  PRICING_CATALOG: z.string().min(1).optional(),
});

export type AuthConfig =
  | { mode: "hs256"; secret: string; issuer?: string; audience?: string }
  | { mode: "oidc"; jwksUrl: string; issuer: string; audience: string };

export interface ServiceConfig {
  port: number;
  upstreams: UpstreamConfig[];
  auth: AuthConfig;
  redisUrl?: string;
  sessionMaxMinutes: number;
  upstreamRotateMinutes: number;
  maxSessionsPerUser: number;
  maxSessionsPerInstance: number;
  allowedOrigins: string[];
  frontDoorId?: string;
  appInsightsConnectionString?: string;
  pricingCatalog?: string;
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
      const result = z.array(UpstreamSchema).min(1, "needs at least one upstream").safeParse(json);
      if (!result.success) {
        for (const issue of result.error.issues) problems.push(`UPSTREAMS${issue.path.map((p) => `[${JSON.stringify(p)}]`).join("")}: ${issue.message}`);
      } else {
        const names = new Set<string>();
        for (const upstream of result.data) {
          if (names.has(upstream.name)) problems.push(`UPSTREAMS: duplicate upstream name "${upstream.name}"`);
          names.add(upstream.name);
          if (upstream.auth === "key" && upstream.apiKeyEnv) {
            const key = env[upstream.apiKeyEnv];
            if (!key) problems.push(`${upstream.apiKeyEnv}: is required (API key of upstream "${upstream.name}")`);
            upstreams.push({ ...upstream, apiKey: key });
          } else {
            upstreams.push(upstream);
          }
        }
      }
    }
  }

  let auth: AuthConfig | undefined;
  const oidc = [env.AUTH_JWKS_URL, env.AUTH_ISSUER, env.AUTH_AUDIENCE];
  if (env.AUTH_JWT_SECRET && oidc.some(Boolean)) {
    problems.push("AUTH_JWT_SECRET: set either AUTH_JWT_SECRET or AUTH_JWKS_URL/AUTH_ISSUER/AUTH_AUDIENCE, not both");
  } else if (env.AUTH_JWT_SECRET) {
    if (vars?.AUTH_JWT_SECRET) auth = { mode: "hs256", secret: vars.AUTH_JWT_SECRET };
  } else if (oidc.every(Boolean)) {
    if (vars?.AUTH_JWKS_URL && vars.AUTH_ISSUER && vars.AUTH_AUDIENCE) {
      auth = { mode: "oidc", jwksUrl: vars.AUTH_JWKS_URL, issuer: vars.AUTH_ISSUER, audience: vars.AUTH_AUDIENCE };
    }
  } else if (oidc.some(Boolean)) {
    const missing = ["AUTH_JWKS_URL", "AUTH_ISSUER", "AUTH_AUDIENCE"].filter((_, i) => !oidc[i]);
    problems.push(`${missing.join(", ")}: required with the other OIDC variables`);
  } else {
    problems.push("AUTH_JWT_SECRET: user authentication is required: set AUTH_JWT_SECRET, or AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE");
  }

  if (problems.length > 0 || !vars || !auth) throw new ConfigError(problems);
  return {
    port: vars.PORT,
    upstreams,
    auth,
    redisUrl: vars.REDIS_URL,
    sessionMaxMinutes: vars.SESSION_MAX_MINUTES,
    upstreamRotateMinutes: vars.UPSTREAM_ROTATE_MINUTES,
    maxSessionsPerUser: vars.MAX_SESSIONS_PER_USER,
    maxSessionsPerInstance: vars.MAX_SESSIONS_PER_INSTANCE,
    allowedOrigins: vars.ALLOWED_ORIGINS,
    frontDoorId: vars.FRONT_DOOR_ID,
    appInsightsConnectionString: vars.APPLICATIONINSIGHTS_CONNECTION_STRING,
    pricingCatalog: vars.PRICING_CATALOG,
  };
}
