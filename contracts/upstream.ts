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
