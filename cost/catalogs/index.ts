/**
 * The catalogs this repository ships, parsed once when first used. The data travels with the code
 * (the service meters with the same catalogs), so nothing here reads files at run time. Catalogs that
 * price Azure infrastructure name one shared sheet (`"infrastructure": { "sheet": ID }`) instead of
 * repeating its figures. Adding a catalog: add its JSON file and one line below.
 */
import { CatalogError, parseCatalog, type Catalog } from "../catalog";
import azureInfrastructure2026 from "./azure-infrastructure-2026.json";
import gpt4oRealtimePreview from "./azure-gpt-4o-realtime-preview-2024-12.json";
import gptRealtime from "./azure-gpt-realtime-2025-08.json";
import gptRealtimeMini from "./azure-gpt-realtime-mini-2025-10.json";
import seed from "./seed.json";
import voiceLiveGptRealtime from "./voice-live-gpt-realtime.json";
import voiceLiveGptRealtimeMini from "./voice-live-gpt-realtime-mini.json";

const FILES: Record<string, unknown> = {
  "azure-gpt-4o-realtime-preview-2024-12": gpt4oRealtimePreview,
  "azure-gpt-realtime-2025-08": gptRealtime,
  "azure-gpt-realtime-mini-2025-10": gptRealtimeMini,
  seed,
  "voice-live-gpt-realtime": voiceLiveGptRealtime,
  "voice-live-gpt-realtime-mini": voiceLiveGptRealtimeMini,
};

/** Shared infrastructure price sheets, by id. */
const SHEETS: Record<string, unknown> = {
  "azure-infrastructure-2026": azureInfrastructure2026,
};

/** The catalog `npm run cost` uses without a stack or a --catalog: what prod's upstreams are. */
export const DEFAULT_CATALOG_ID = "voice-live-gpt-realtime";

const parsed = new Map<string, Catalog>();

export function catalogIds(): string[] {
  return Object.keys(FILES).sort();
}

/** Replaces a `{ "sheet": ID }` reference by the sheet's figures. */
export function resolveSheet(data: unknown, file: string, sheets: Record<string, unknown> = SHEETS): unknown {
  const infra = (data as { infrastructure?: { sheet?: unknown; mode?: unknown } } | null)?.infrastructure;
  if (!infra || infra.mode !== undefined || typeof infra.sheet !== "string") return data;
  if (!Object.hasOwn(sheets, infra.sheet)) throw new CatalogError(`catalog ${file}: unknown infrastructure sheet "${infra.sheet}"; available: ${Object.keys(sheets).join(", ")}`);
  return { ...(data as object), infrastructure: sheets[infra.sheet] };
}

export function catalogById(id: string): Catalog {
  const cached = parsed.get(id);
  if (cached) return cached;
  if (!Object.hasOwn(FILES, id)) throw new CatalogError(`unknown catalog "${id}"; available: ${catalogIds().join(", ")}`);
  const catalog = parseCatalog(resolveSheet(FILES[id], `${id}.json`), `${id}.json`);
  if (catalog.id !== id) throw new CatalogError(`catalog ${id}.json: id "${catalog.id}" does not match its file name`);
  parsed.set(id, catalog);
  return catalog;
}

export function allCatalogs(): Catalog[] {
  return catalogIds().map(catalogById);
}
