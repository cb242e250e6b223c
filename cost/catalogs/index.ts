/**
 * The catalogs this repository ships, parsed once when first imported. The data travels with the code
 * (the service meters with the same catalogs), so nothing here reads files at run time. Adding a
 * catalog: add its JSON file and one line below.
 */
import { CatalogError, parseCatalog, type Catalog } from "../catalog";
import gpt4oRealtimePreview from "./azure-gpt-4o-realtime-preview-2024-12.json";
import gptRealtime from "./azure-gpt-realtime-2025-08.json";
import seed from "./seed.json";

const FILES: Record<string, unknown> = {
  "azure-gpt-4o-realtime-preview-2024-12": gpt4oRealtimePreview,
  "azure-gpt-realtime-2025-08": gptRealtime,
  seed,
};

export const DEFAULT_CATALOG_ID = "azure-gpt-realtime-2025-08";

const parsed = new Map<string, Catalog>();

export function catalogIds(): string[] {
  return Object.keys(FILES).sort();
}

export function catalogById(id: string): Catalog {
  const cached = parsed.get(id);
  if (cached) return cached;
  if (!Object.hasOwn(FILES, id)) throw new CatalogError(`unknown catalog "${id}"; available: ${catalogIds().join(", ")}`);
  const catalog = parseCatalog(FILES[id], `${id}.json`);
  if (catalog.id !== id) throw new CatalogError(`catalog ${id}.json: id "${catalog.id}" does not match its file name`);
  parsed.set(id, catalog);
  return catalog;
}
