/**
 * One cost record per session connection, keyed by the session id the resume keeps: a resumed session's
 * connections carry the same `session_id`, so summing by it gives the session's cost however often it
 * resumed (docs/cost-model.md has the queries). Written to Application Insights as a customEvent
 * (telemetry.ts) and to the end-of-session log line.
 *
 * The user is pseudonymous: HMAC-SHA256 of the token's subject under a salt the service is given
 * (COST_RECORD_SALT), so cost per user is a query while the record never holds the subject itself;
 * without a salt the record has no user. The tenant is the token's `tid` claim (Entra ID's tenant id),
 * when it has one.
 */
import { createHmac } from "node:crypto";
import type { SessionMeterTotals } from "../../../cost";

/** The customEvent's name (customEvents.name in Application Insights). */
export const COST_EVENT_NAME = "VoiceSessionCost";

/** A GUID (Entra ID tenant ids are GUIDs): anything else is not recorded. */
const TENANT_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function pseudonymousUserId(subject: string, salt: string): string {
  return createHmac("sha256", salt).update(subject, "utf8").digest("hex").slice(0, 32);
}

/** The token's tenant (`tid`), if it is a GUID. */
export function tenantOf(claims: Record<string, unknown> | undefined): string | undefined {
  const tid = claims?.tid;
  return typeof tid === "string" && TENANT_ID.test(tid) ? tid.toLowerCase() : undefined;
}

export interface CostRecordInput {
  sessionId: string;
  subject: string;
  salt?: string;
  claims?: Record<string, unknown>;
  totals: SessionMeterTotals;
  /** Why this connection ended (the session's Ending kind). */
  ending: string;
  /** "ended": the session is over; "detached": it may resume; "replaced": a newer connection took it. */
  outcome: string;
  /** Minutes since the session's first admission (across resumes). */
  elapsedMinutes: number;
  resumed: boolean;
  upstreamModels: string[];
}

/** Flat attributes (customDimensions in Application Insights are strings; numbers stay numbers here). */
export type CostRecord = Record<string, string | number | boolean>;

export function costRecord(input: CostRecordInput): CostRecord {
  const t = input.totals;
  const record: CostRecord = {
    session_id: input.sessionId,
    usd: round(t.usd),
    responses: t.responses,
    transcriptions: t.transcriptions,
    malformed_usage: t.malformed,
    ending: input.ending,
    outcome: input.outcome,
    // A session counts as a completed interview when it ended for good and was not cut by the platform.
    completed: input.outcome === "ended" && (input.ending === "client_closed" || input.ending === "time_limit"),
    elapsed_minutes: round(input.elapsedMinutes),
    resumed: input.resumed,
    models: input.upstreamModels.join(","),
  };
  for (const [kind, count] of Object.entries(t.tokens)) record[`tokens_${kind}`] = Math.round(count);
  if (input.salt) record.user = pseudonymousUserId(input.subject, input.salt);
  const tenant = tenantOf(input.claims);
  if (tenant) record.tenant = tenant;
  return record;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
