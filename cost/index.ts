/**
 * The cost model: pricing catalogs (data with sources) and pure functions over them. No Pulumi, no I/O:
 * the infrastructure (budget, capacity warnings), the cost command and the service (metering) all
 * import it. The chart (cost/chart.ts) is not exported here: it loads vega, which the service needs not.
 */
export { parseCatalog, assumptionsOf, figuresOf, CatalogError, FigureSchema, type Catalog, type Price, type Figure, type SourcedFigure } from "./catalog";
export { catalogById, catalogIds, allCatalogs, DEFAULT_CATALOG_ID } from "./catalogs";
export { catalogForUpstream, findCatalogForUpstream, upstreamPricing, type CatalogShare, type UpstreamPricing, type UpstreamModelRef } from "./upstreams";
export { EXPECTED_INTERVIEW, INTERVIEW_RANGES, DEFAULT_TRUNCATION, RETENTION_TRUNCATION, describeTruncation, type Range, type SpeakingShares, type Truncation } from "./interview";
export { sessionCost, sessionParams, priceTokens, cacheableTokens, weightedCost, modelTokens, ZERO_TOKENS, type SessionCost, type SessionParams, type Tokens } from "./session";
export { measuredSessionsPerReplica, MEASURED_CAPACITY, sessionsPerReplicaFromMeasurement, type ReplicaDerivation, type ReplicaShape, planCapacity, sessionCapacity, FRONT_DOOR_MAX_WEBSOCKETS, DEFAULT_PEAK_PERCENTILE, type CapacityInput, type CapacityPlan, type UpstreamQuotaPlan } from "./capacity";
export { estimate, infrastructureCost, durationsOf, meanMinutes, SEED_SIZING, type Estimate, type EstimateInput, type Infrastructure, type PtuPlan, type Sizing } from "./estimate";
export { estimateRange, defaultRanges, expectedInput, describeValue, type ParameterRanges, type ParameterName, type RangeEstimate, type Sensitivity } from "./ranges";
export { budgetFromEstimate, type BudgetDerivation } from "./budget";
export {
  meterResponseUsage, meterTranscriptionUsage, emptyTokens, emptyTotals, addToTotals, TOKEN_KINDS, TRANSCRIPTION_TOKEN_KINDS, MAX_TOKENS_PER_FIELD,
  type MeteredResponse, type MeteredTranscription, type SessionMeterTotals, type TokenKind, type TranscriptionTokenKind,
} from "./meter";
export { seedDiscrepancies, SEED_PRINTED } from "./seedCritique";
export { arrivalsPerMinute, meanOpenSessions, peakConcurrency, peakConcurrencyForDurations, poissonQuantile, DEFAULT_BUSY_HOURS_PER_DAY, DEFAULT_PEAK_HOUR_FACTOR, MINUTES_PER_DAY, type DayProfile, type DurationShare, type PeakConcurrency } from "./traffic";
