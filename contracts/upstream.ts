/**
 * The upstream entry: one Azure Voice Live or Azure OpenAI realtime resource the proxy may relay to.
 * The stack file lists them (`voice-platform:upstreams`), the infrastructure passes the same list to the
 * service as the `UPSTREAMS` variable, and the service parses it with this same schema: one shape, one
 * set of rules, on both sides of the boundary.
 */
import { z } from "zod";

export const UPSTREAM_KINDS = ["voice-live", "azure-openai"] as const;
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number];

/**
 * Upstream names become part of a Container Apps secret name (`upstream-<name>-api-key`: lower case,
 * digits and dashes) and of an environment variable name; 31 characters keep both short.
 */
export const UPSTREAM_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;

/**
 * New upstream connections a minute one resource accepts by default, per kind. Admissions, resumes,
 * rotations and failovers all open one; the proxy keeps under this rate (shared by every instance) so
 * the resource never answers 429 for everyone. S0 quotas can be raised by a support request: the
 * stack file then says so with the entry's `connectionsPerMinute`.
 * - voice-live: "New connections per minute ... Standard (S0) 30" (Speech service quotas and limits,
 *   "Voice Live quotas and limits per resource",
 *   https://learn.microsoft.com/azure/ai-services/speech-service/speech-services-quotas-and-limits,
 *   read 2026-12-03).
 * - azure-openai: no documented per-resource rate of new realtime connections was found (searched
 *   2026-12-03); the Voice Live figure is used as a conservative default until one is.
 */
export const DEFAULT_CONNECTIONS_PER_MINUTE: Record<UpstreamKind, number> = { "voice-live": 30, "azure-openai": 30 };

/**
 * api-version values a client may send on a path that forwards it (Voice Live, and Azure OpenAI's
 * `/openai/realtime`; `/openai/v1/realtime` takes none). Anything else is refused at the proxy with 400,
 * so a client's own bad parameter never reaches (and never trips the breaker of) a shared upstream.
 * - voice-live: 2025-10-01 (GA; Azure.AI.VoiceLive 1.0.0 shipped with it on 2025-10-01,
 *   https://github.com/Azure/azure-sdk-for-net/blob/main/sdk/ai/Azure.AI.VoiceLive/CHANGELOG.md),
 *   2026-01-01-preview (Voice Live API reference, TokenDetails), 2026-04-10 and 2026-06-01-preview
 *   (https://learn.microsoft.com/azure/ai-services/speech-service/voice-live-api-reference-2026-06-01-preview:
 *   "adds the following capabilities on top of 2026-04-10"), 2026-07-15 (GA; Azure.AI.VoiceLive 1.2.0,
 *   https://github.com/Azure/azure-sdk-for-net/releases/tag/Azure.AI.VoiceLive_1.2.0, and what
 *   @azure/ai-voicelive 1.1.0 sends). All read 2026-12-03. 2025-05-01-preview (the first preview) could
 *   not be confirmed by search and is left out.
 * - azure-openai: 2024-10-01-preview ("Support for the Realtime API was first added in API version
 *   2024-10-01-preview", https://learn.microsoft.com/azure/ai-services/openai/realtime-audio-quickstart),
 *   2024-12-17 and 2025-04-01-preview (the realtime WebSocket how-to,
 *   https://learn.microsoft.com/azure/foundry/openai/how-to/realtime-audio-websockets, and its history in
 *   MicrosoftDocs/azure-ai-docs commit d7c37bc). All read 2026-12-03.
 * An entry's own `apiVersion` is accepted too (a newer version the operator chose).
 */
export const API_VERSIONS: Record<UpstreamKind, readonly string[]> = {
  "voice-live": ["2025-10-01", "2026-01-01-preview", "2026-04-10", "2026-06-01-preview", "2026-07-15"],
  "azure-openai": ["2024-10-01-preview", "2024-12-17", "2025-04-01-preview"],
};

export const UpstreamSchema = z
  .object({
    name: z.string().regex(UPSTREAM_NAME, "lower-case letters, digits and dashes, up to 31 characters"),
    /** The resource's endpoint, e.g. https://voice-au.services.ai.azure.com (ws/http for local emulators). */
    url: z.url({ protocol: /^(https?|wss?)$/, error: "must be an https:// endpoint (http:// or ws:// only for local upstreams)" }),
    kind: z.enum(UPSTREAM_KINDS),
    /** Lower numbers are tried first; equal numbers share new sessions. */
    priority: z.number().int().positive(),
    /** Azure region of the resource: a bounded metric attribute and the unit of quota planning. */
    region: z.string().min(1).optional(),
    /** Voice Live model the sessions use (required for voice-live). */
    model: z.string().min(1).optional(),
    /** Azure OpenAI deployment name (required for azure-openai). */
    deployment: z.string().min(1).optional(),
    auth: z.enum(["key", "entra"]).default("key"),
    apiVersion: z.string().min(1).optional(),
    /**
     * New connections a minute this resource accepts (its quota), shared by every proxy instance;
     * default DEFAULT_CONNECTIONS_PER_MINUTE for its kind. Set it when support has raised the quota.
     */
    connectionsPerMinute: z.number().int().positive().max(100_000).optional(),
    /**
     * Tokens a minute this resource accepts (its quota): capacity planning only (`npm run plan`), the
     * proxy does not meter it. Default for voice-live: 100,000 (Voice Live FAQ); set it when support has
     * raised the quota.
     */
    tokensPerMinute: z.number().int().positive().max(100_000_000).optional(),
    /** Where the service finds the key (auth: key); defaults to UPSTREAM_<NAME>_API_KEY. */
    apiKeyEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/, "an environment variable name").optional(),
  })
  .superRefine((u, ctx) => {
    if (u.kind === "voice-live" && !u.model) ctx.addIssue({ code: "custom", path: ["model"], message: "required for voice-live" });
    if (u.kind === "azure-openai" && !u.deployment) ctx.addIssue({ code: "custom", path: ["deployment"], message: "required for azure-openai" });
  });

export type Upstream = z.infer<typeof UpstreamSchema>;

export const UpstreamListSchema = z
  .array(UpstreamSchema)
  .min(1, "at least one upstream is needed")
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((u, i) => {
      if (seen.has(u.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate upstream name "${u.name}" (also entry ${seen.get(u.name)})` });
      seen.set(u.name, i);
    });
  });

/** The environment variable holding an upstream's API key when the entry names none. */
export function apiKeyEnvName(name: string): string {
  return `UPSTREAM_${name.toUpperCase().replace(/-/g, "_")}_API_KEY`;
}

export function apiKeyEnvOf(upstream: Pick<Upstream, "name" | "apiKeyEnv">): string {
  return upstream.apiKeyEnv ?? apiKeyEnvName(upstream.name);
}

/** What the upstream calls the model a client asks for: the Voice Live model or the Azure OpenAI deployment. */
export function servedModel(upstream: Pick<Upstream, "kind" | "model" | "deployment">): string {
  return (upstream.kind === "voice-live" ? upstream.model : upstream.deployment) ?? "";
}

/** The entry's quota of new connections a minute. */
export function connectionsPerMinuteOf(upstream: Pick<Upstream, "kind" | "connectionsPerMinute">): number {
  return upstream.connectionsPerMinute ?? DEFAULT_CONNECTIONS_PER_MINUTE[upstream.kind];
}

/** api-versions a client may ask of upstreams of this kind (the entries' own included). */
export function allowedApiVersions(kind: UpstreamKind, entries: ReadonlyArray<Pick<Upstream, "kind" | "apiVersion">> = []): string[] {
  return [...new Set([...API_VERSIONS[kind], ...entries.filter((u) => u.kind === kind && u.apiVersion).map((u) => u.apiVersion!)])];
}
