/**
 * The cost model: pricing catalogs (data with sources) and pure functions over them. No Pulumi, no I/O:
 * the infrastructure (budget, capacity warnings), the cost command and the service (metering) all
 * import it.
 */
export { parseCatalog, assumptionsOf, CatalogError, type Catalog, type Price } from "./catalog";
export { catalogById, catalogIds, DEFAULT_CATALOG_ID } from "./catalogs";
export { sessionCost, sessionParams, priceTokens, type SessionCost, type SessionParams, type Tokens } from "./session";
export { planCapacity, sessionCapacity, FRONT_DOOR_MAX_WEBSOCKETS, VOICE_LIVE_NEW_CONNECTIONS_PER_MINUTE, VOICE_LIVE_TOKENS_PER_MINUTE, type CapacityInput, type CapacityPlan } from "./capacity";
export { estimate, infrastructureCost, SEED_SIZING, type Estimate, type EstimateInput, type Sizing } from "./estimate";
export { budgetFromEstimate, type BudgetDerivation } from "./budget";
export { seedDiscrepancies, SEED_PRINTED } from "./seedCritique";
export { arrivalsPerMinute, meanOpenSessions, peakConcurrency, poissonQuantile, DEFAULT_BUSY_HOURS_PER_DAY, DEFAULT_PEAK_HOUR_FACTOR, MINUTES_PER_DAY, type DayProfile, type PeakConcurrency } from "./traffic";
