/**
 * The pricing catalog's shape: data (cost/catalogs/<id>.json), each figure with its unit, a public
 * source (URL or document name) and date, how sure we are of it, and an assumption flag where it is
 * one. Parsing is pure; the registry in catalogs/index.ts holds the parsed catalogs. A malformed
 * catalog is rejected with its name and every field that is wrong.
 *
 * A catalog prices one model on one kind of upstream (`serves`): the infrastructure's budget and the
 * service's meter pick it by the upstream entry's kind and model (upstreams.ts), so both use the
 * same prices.
 */
import { z } from "zod";
import { UPSTREAM_KINDS } from "../contracts/upstream";

/** A figure from somewhere: a price, a quota, a token rate. */
const Figure = z.object({
  value: z.number().nonnegative(),
  unit: z.string().min(1),
  /** A public URL or document name, with what in it, or "assumption: ..." saying why. */
  source: z.string().min(1),
  asOf: z.iso.date(),
  /** high: a first-party document says it; medium: third parties agree or quote Azure's meters; low: one loose source or inferred. */
  confidence: z.enum(["high", "medium", "low"]),
  /** No source states this figure: it is ours, and says so. */
  assumption: z.boolean().optional(),
});
export type Price = z.infer<typeof Figure>;
/** The figure schema, for price sheets parsed outside the catalog (stacks/networkSizing.ts). */
export const FigureSchema = Figure;
export type Figure = Price;

const Share = z.number().min(0).max(1);

const Metered = z.object({
  mode: z.literal("metered"),
  /** Where the infrastructure prices come from (one shared sheet, catalogs/azure-infrastructure-*.json). */
  sheet: z.string().min(1),
  region: z.string().min(1),
  containerApps: z.object({ vcpuSecond: Figure, gibSecond: Figure, freeVcpuSeconds: Figure, freeGibSeconds: Figure }),
  frontDoor: z.object({ monthly: Figure, perGBToClient: Figure, perGBToOrigin: Figure, per10kRequests: Figure }),
  redisMonthly: z.record(z.string(), Figure),
  containerRegistryPerDay: Figure,
  keyVaultPer10kOperations: Figure,
  /** Secret reads per secret per replica-hour (Container Apps resolving Key Vault references). */
  keyVaultReadsPerSecretReplicaHour: Figure,
  logAnalyticsPerGB: Figure,
  logFreeGBPerMonth: Figure,
  logGBPerInterview: Figure,
  traffic: z.object({
    /** Bytes a second of the candidate's microphone stream, Front Door edge to origin, all interview long. */
    clientAudioBytesPerSecond: Figure,
    /** Bytes a second of the model's audio, Front Door edge to client, while it speaks. */
    modelAudioBytesPerSecond: Figure,
    requestsPerInterview: Figure,
  }),
});

const Fixed = z.object({
  mode: z.literal("fixed"),
  fixedMonthly: z.object({ containerApps: Figure, frontDoor: Figure, redis: Figure, monitoring: Figure }),
});

const PtuAvailable = z.object({
  available: z.literal(true),
  minimumPtus: z.number().int().positive(),
  incrementPtus: z.number().int().positive(),
  monthlyPerPtu: Figure,
  /** What one PTU carries, in the tokens a minute this model's sessions use. */
  tokensPerMinutePerPtu: Figure,
  source: z.string().min(1),
});
const PtuUnavailable = z.object({ available: z.literal(false), source: z.string().min(1), asOf: z.iso.date() });

export const CatalogSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  name: z.string().min(1),
  description: z.string(),
  currency: z.literal("USD"),
  asOf: z.iso.date(),
  daysPerMonth: z.number().min(28).max(31),
  /** The upstream entries this catalog prices: their kind, and the Voice Live models or deployment model names. */
  serves: z.object({ kind: z.enum(UPSTREAM_KINDS), models: z.array(z.string().min(1)).min(1) }).optional(),
  /** Voice Live's pricing tier for the model (Pro, Standard, Lite: chosen by the model, not by the customer). */
  tier: z.enum(["pro", "standard", "lite"]).optional(),
  model: z.object({
    name: z.string().min(1),
    /** Every response re-sends the conversation as input (true for the realtime API; the seed ignores it). */
    resendsContext: z.boolean(),
    /** The most input one response may read; past it the conversation is truncated. */
    inputLimitTokens: z.number().int().positive(),
    inputLimitSource: z.string().min(1),
    /** Audio tokens per minute of speech. */
    audioInputTokensPerMinute: z.number().nonnegative(),
    audioOutputTokensPerMinute: z.number().nonnegative(),
    tokenRateSource: z.string().min(1),
    /** The seed's flat text allowance (system prompt + transcripts), billed as text input. */
    textInputTokensPerHour: z.number().nonnegative(),
    /** Text the model generates alongside its audio (the transcript), per minute it speaks. */
    outputTextTokensPerSpokenMinute: z.number().nonnegative(),
    /** Prompt caching: no cache below minimumTokens, then cached prefixes grow in increments. */
    cache: z.object({ minimumTokens: z.number().int().nonnegative(), incrementTokens: z.number().int().positive(), source: z.string().min(1) }).optional(),
  }),
  /** Interview shape for catalogs that model someone else's sheet (the seed); realtime catalogs use cost/interview.ts. */
  sessionDefaults: z.object({
    userSpeakingShare: Share,
    modelSpeakingShare: Share,
    turnsPerMinute: z.number().positive(),
    instructionsTokens: z.number().int().nonnegative(),
  }).optional(),
  prices: z.object({
    audioInput: Figure,
    audioOutput: Figure,
    audioCachedInput: Figure,
    textInput: Figure,
    textOutput: Figure,
    textCachedInput: Figure,
  }),
  /** Input transcription of the candidate's audio, billed apart from the model's tokens. */
  transcription: z.object({
    model: z.string().min(1),
    audioInput: Figure,
    textInput: Figure.optional(),
    textOutput: Figure.optional(),
    /** For duration-billed models (usage `{ type: "duration", seconds }`). */
    perAudioMinute: Figure.optional(),
    audioTokensPerMinute: z.number().nonnegative(),
    textTokensPerSpokenMinute: z.number().nonnegative(),
  }).optional(),
  /** The upstream resource's quotas, for the capacity plan. */
  quota: z.object({
    tokensPerMinute: Figure.optional(),
    newConnectionsPerMinute: Figure.optional(),
    maxSessionMinutes: Figure.optional(),
  }).optional(),
  infrastructure: z.discriminatedUnion("mode", [Metered, Fixed]),
  ptu: z.discriminatedUnion("available", [PtuAvailable, PtuUnavailable]),
});

export type Catalog = z.infer<typeof CatalogSchema>;
export type MeteredInfrastructure = z.infer<typeof Metered>;

export class CatalogError extends Error {}

/** Validates a parsed catalog; `file` names it in errors. */
export function parseCatalog(data: unknown, file: string): Catalog {
  const result = CatalogSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new CatalogError(`catalog ${file} is malformed:\n  - ${problems.join("\n  - ")}`);
  }
  return result.data;
}

export interface SourcedFigure extends Price {
  path: string;
}

/** Every figure in the catalog with its path, for the source listing every estimate prints. */
export function figuresOf(catalog: Catalog): SourcedFigure[] {
  const out: SourcedFigure[] = [];
  const walk = (value: unknown, path: string) => {
    if (!value || typeof value !== "object") return;
    const v = value as Record<string, unknown>;
    if (typeof v.value === "number" && typeof v.source === "string" && typeof v.unit === "string") {
      out.push({ ...(v as unknown as Price), path });
      return;
    }
    for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
  };
  walk({ prices: catalog.prices, transcription: catalog.transcription, quota: catalog.quota, infrastructure: catalog.infrastructure, ptu: catalog.ptu }, "");
  return out;
}

/** Figures flagged as assumptions or held with low confidence: the notes every estimate prints. */
export function assumptionsOf(catalog: Catalog): string[] {
  return figuresOf(catalog)
    .filter((f) => f.assumption || f.confidence === "low")
    .map((f) => `${f.path} = ${f.value} ${f.unit} (${f.assumption ? "assumption" : "low confidence"}: ${f.source.replace(/^assumption: /, "")})`);
}
