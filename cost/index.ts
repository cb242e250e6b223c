export { loadCatalog, listCatalogs, parseCatalog, assumptionsOf, CatalogError, DEFAULT_CATALOG_ID, type Catalog, type Price } from "./catalog";
export { sessionCost, sessionParams, priceTokens, type SessionCost, type SessionParams, type Tokens } from "./session";
export { planCapacity, FRONT_DOOR_MAX_WEBSOCKETS, VOICE_LIVE_NEW_CONNECTIONS_PER_MINUTE, VOICE_LIVE_TOKENS_PER_MINUTE, type CapacityInput, type CapacityPlan } from "./capacity";
export { estimate, infrastructureCost, seedDiscrepancies, SEED_PRINTED, SEED_SIZING, type Estimate, type EstimateInput, type Sizing } from "./estimate";
export { deriveBudget, type BudgetDerivation, type BudgetInput } from "./budget";
