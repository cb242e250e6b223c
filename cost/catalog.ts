/**
 * The pricing catalog's shape: data (cost/catalogs/<id>.json), each price with its unit, source, date
 * and, where it is one, an assumption flag. Parsing is pure; the registry in catalogs/index.ts holds
 * the parsed catalogs. A malformed catalog is rejected with its name and the field that is wrong.
 */
import { z } from "zod";

const Price = z.object({
  value: z.number().nonnegative(),
  unit: z.string().min(1),
  source: z.string().min(1),
  asOf: z.iso.date(),
  assumption: z.boolean().optional(),
});
export type Price = z.infer<typeof Price>;

const Share = z.number().min(0).max(1);

const Metered = z.object({
  mode: z.literal("metered"),
  containerApps: z.object({ vcpuSecond: Price, gibSecond: Price, freeVcpuSeconds: Price, freeGibSeconds: Price }),
  frontDoorMonthly: Price,
  redisMonthly: z.record(z.string(), Price),
  logAnalyticsPerGB: Price,
  logFreeGBPerMonth: Price,
  logGBPerInterview: Price,
});

const Fixed = z.object({
  mode: z.literal("fixed"),
  fixedMonthly: z.object({ containerApps: Price, frontDoor: Price, redis: Price, monitoring: Price }),
});

export const CatalogSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  name: z.string().min(1),
  description: z.string(),
  currency: z.literal("USD"),
  asOf: z.iso.date(),
  daysPerMonth: z.number().min(28).max(31),
  model: z.object({
    name: z.string().min(1),
    /** Every response re-sends the conversation as input (true for the realtime API; the seed ignores it). */
    resendsContext: z.boolean(),
    contextWindowTokens: z.number().int().positive(),
    contextWindowSource: z.string().optional(),
    /** Audio tokens per minute of speech. */
    audioInputTokensPerMinute: z.number().nonnegative(),
    audioOutputTokensPerMinute: z.number().nonnegative(),
    /** The seed's flat text allowance (system prompt + transcripts), billed as text input. */
    textInputTokensPerHour: z.number().nonnegative(),
    /** Text the model generates alongside its audio (the transcript), per minute it speaks. */
    outputTextTokensPerSpokenMinute: z.number().nonnegative(),
  }),
  sessionDefaults: z.object({
    userSpeakingShare: Share,
    modelSpeakingShare: Share,
    turnsPerMinute: z.number().positive(),
    instructionsTokens: z.number().int().nonnegative(),
  }),
  prices: z.object({
    audioInput: Price,
    audioOutput: Price,
    audioCachedInput: Price,
    textInput: Price,
    textOutput: Price,
    textCachedInput: Price,
  }),
  infrastructure: z.discriminatedUnion("mode", [Metered, Fixed]),
  ptu: z.object({ monthlyPerPtu: Price }),
});

export type Catalog = z.infer<typeof CatalogSchema>;

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

/** Prices flagged as assumptions, for the notes every estimate prints. */
export function assumptionsOf(catalog: Catalog): string[] {
  const out: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (value && typeof value === "object") {
      const v = value as Record<string, unknown>;
      if (typeof v.value === "number" && typeof v.source === "string") {
        if (v.assumption) out.push(`${path} = ${v.value} ${v.unit} (assumption: ${v.source})`);
        return;
      }
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    }
  };
  walk({ prices: catalog.prices, infrastructure: catalog.infrastructure, ptu: catalog.ptu }, "");
  return out;
}
