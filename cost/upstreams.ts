/**
 * Which catalog prices an upstream entry, and how a stack's several entries combine. One function for
 * the infrastructure's budget and the service's meter, so both price a session the same way.
 *
 * - Voice Live entries name the model (`model`): the catalog whose `serves.models` lists it.
 * - Azure OpenAI entries name a deployment (`deployment`), whose name is the customer's: it matches a
 *   model when it is the model's name or starts with it and a dash (`gpt-realtime-prod`); the longest
 *   match wins, so `gpt-realtime-mini-eu` is priced as gpt-realtime-mini, not gpt-realtime.
 * - Combining entries: the proxy gives new sessions to the best (lowest) priority and spreads them
 *   evenly over the entries that share it; lower priorities carry sessions only on failover. So the
 *   expected cost weights the top-priority entries equally, and the dearest catalog of any entry is
 *   the "all sessions failed over" end of the range.
 */
import type { Upstream } from "../contracts/upstream";
import { CatalogError, type Catalog } from "./catalog";
import { allCatalogs } from "./catalogs";

export type UpstreamModelRef = Pick<Upstream, "kind" | "model" | "deployment">;

function requested(upstream: UpstreamModelRef): string {
  return (upstream.kind === "voice-live" ? upstream.model : upstream.deployment) ?? "";
}

/** The catalog that prices this entry, or undefined when no shipped catalog does. */
export function findCatalogForUpstream(upstream: UpstreamModelRef, catalogs: Catalog[] = allCatalogs()): Catalog | undefined {
  const name = requested(upstream).toLowerCase();
  if (!name) return undefined;
  let best: { catalog: Catalog; length: number } | undefined;
  for (const catalog of catalogs) {
    if (catalog.serves?.kind !== upstream.kind) continue;
    for (const model of catalog.serves.models) {
      const m = model.toLowerCase();
      const matches = name === m || (upstream.kind === "azure-openai" && name.startsWith(`${m}-`));
      if (matches && (!best || m.length > best.length)) best = { catalog, length: m.length };
    }
  }
  return best?.catalog;
}

/** The catalog that prices this entry; throws naming the entry and what is priced when none does. */
export function catalogForUpstream(upstream: UpstreamModelRef, catalogs: Catalog[] = allCatalogs()): Catalog {
  const found = findCatalogForUpstream(upstream, catalogs);
  if (found) return found;
  const priced = catalogs.filter((c) => c.serves?.kind === upstream.kind).flatMap((c) => c.serves!.models);
  const field = upstream.kind === "voice-live" ? "model" : "deployment";
  throw new CatalogError(`no pricing catalog for ${upstream.kind} ${field} "${requested(upstream)}"; priced: ${priced.join(", ") || "none"}`);
}

export interface CatalogShare {
  catalog: Catalog;
  /** Share of new sessions (0-1). */
  share: number;
  /** The upstream entries priced by it. */
  upstreams: string[];
}

export interface UpstreamPricing {
  /** The expected mix: the top-priority entries, equal shares, grouped by catalog. */
  mix: CatalogShare[];
  /** The dearest catalog of any entry, when it is not in the mix: every session failed over to it. */
  failover?: CatalogShare;
  lines: string[];
}

type Entry = Pick<Upstream, "name" | "kind" | "model" | "deployment" | "priority">;

/** How a stack's upstream entries are priced (see the module comment). `dearer(a, b)` orders catalogs. */
export function upstreamPricing(upstreams: Entry[], dearer: (a: Catalog, b: Catalog) => number, catalogs: Catalog[] = allCatalogs()): UpstreamPricing {
  if (upstreams.length === 0) throw new CatalogError("no upstream entries to price");
  const top = Math.min(...upstreams.map((u) => u.priority));
  const priced = upstreams.map((u) => ({ upstream: u, catalog: catalogForUpstream(u, catalogs) }));
  const primary = priced.filter((p) => p.upstream.priority === top);
  const groups = new Map<string, CatalogShare>();
  for (const p of primary) {
    const g = groups.get(p.catalog.id) ?? { catalog: p.catalog, share: 0, upstreams: [] };
    g.share += 1 / primary.length;
    g.upstreams.push(p.upstream.name);
    groups.set(p.catalog.id, g);
  }
  const mix = [...groups.values()];
  const dearest = [...priced].sort((a, b) => dearer(b.catalog, a.catalog))[0];
  // Only worth a range end when it differs from the expected mix.
  const failover = mix.length === 1 && mix[0].catalog.id === dearest.catalog.id ? undefined
    : { catalog: dearest.catalog, share: 1, upstreams: priced.filter((p) => p.catalog.id === dearest.catalog.id).map((p) => p.upstream.name) };
  const lines = priced.map((p) => {
    const role = p.upstream.priority === top ? `priority ${p.upstream.priority}, ${Math.round(100 / primary.length)}% of new sessions` : `priority ${p.upstream.priority}, failover only`;
    return `upstream ${p.upstream.name} (${p.upstream.kind} ${requested(p.upstream)}, ${role}): catalog ${p.catalog.id}`;
  });
  if (failover) lines.push(`if every session failed over to ${failover.upstreams.join(", ")}, catalog ${failover.catalog.id} would price all of them (the range's dear end)`);
  return { mix, failover, lines };
}
