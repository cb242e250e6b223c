import { addToTotals, catalogById, DEFAULT_CATALOG_ID, findCatalogForUpstream, meterResponseUsage, meterTranscriptionUsage, type SessionMeterTotals } from "../../../cost";
import { servedModel as servedModelOf } from "../../../contracts";
import type { Logger } from "pino";
import type { ServiceConfig } from "../config";
import type { Telemetry } from "./telemetry";

export type Meter = ReturnType<typeof createMeter>;

/**
 * Metering: each response's (and transcription's) usage priced with the catalog of the upstream entry
 * that served it (cost/, the same choice and arithmetic the budget uses), emitted as voice.tokens and
 * voice.cost.usd by upstream and model, and added to the session's totals for its end-of-session log.
 */
export function createMeter(upstreams: ServiceConfig["upstreams"], telemetry: Telemetry, logger: Logger) {
  const byName = new Map(upstreams.map((u) => [u.name, { model: servedModelOf(u), catalog: findCatalogForUpstream(u) }]));
  for (const [name, u] of byName) if (!u.catalog) logger.warn({ upstream: name, model: u.model }, "no pricing catalog for this upstream: its tokens are counted, not priced");
  const parse = (frame: Buffer): Record<string, unknown> | undefined => {
    try {
      const event = JSON.parse(frame.toString("utf8")) as unknown;
      return event && typeof event === "object" ? (event as Record<string, unknown>) : undefined;
    } catch {
      return undefined; // forwarded untouched; usage is telemetry
    }
  };
  const emit = (upstream: string, model: string, usd: number | undefined, tokens: Record<string, number>) => {
    for (const [kind, count] of Object.entries(tokens)) if (count > 0) telemetry.tokens(count, kind, upstream, model);
    if (usd !== undefined) telemetry.cost(usd, upstream, model);
  };
  return {
    /** Returns the session's totals with this response added. */
    response(frame: Buffer, upstream: string, totals: SessionMeterTotals): SessionMeterTotals {
      const u = byName.get(upstream);
      const usage = (parse(frame)?.response as Record<string, unknown> | undefined)?.usage;
      if (!u || usage === undefined || usage === null) return totals;
      const metered = meterResponseUsage(u.catalog ?? catalogById(DEFAULT_CATALOG_ID), usage);
      if (metered.malformed) telemetry.error("usage_malformed");
      emit(upstream, u.model, u.catalog ? metered.usd : undefined, metered.tokens);
      return addToTotals(totals, u.catalog ? metered : { ...metered, usd: 0 });
    },
    transcription(frame: Buffer, upstream: string, totals: SessionMeterTotals): SessionMeterTotals {
      const u = byName.get(upstream);
      const usage = parse(frame)?.usage;
      if (!u || usage === undefined || usage === null) return totals;
      const metered = meterTranscriptionUsage(u.catalog ?? catalogById(DEFAULT_CATALOG_ID), usage);
      emit(upstream, u.model, u.catalog && metered.priced ? metered.usd : undefined, metered.tokens);
      return addToTotals(totals, u.catalog ? metered : { ...metered, usd: 0 });
    },
  };
}
