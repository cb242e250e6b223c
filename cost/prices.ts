/**
 * Reading the Azure Retail Prices API and rewriting a catalog's prices from it.
 *
 * The API ("Azure Retail Prices overview", learn.microsoft.com/rest/api/cost-management/retail-prices/
 * azure-retail-prices, read 2026-12-03): `GET https://prices.azure.com/api/retail/prices`, no
 * authentication; `$filter` in OData (`serviceName eq 'Virtual Machines' and armRegionName eq
 * 'westeurope'`, values case-sensitive from 2023-01-01-preview); `currencyCode='EUR'` for another
 * currency (USD otherwise). The answer: `{ BillingCurrency, CustomerEntityId, CustomerEntityType,
 * Items: [...], NextPageLink, Count }`, each item with `currencyCode, retailPrice, unitPrice,
 * armRegionName, location, effectiveStartDate, meterId, meterName, productName, skuName, serviceName,
 * unitOfMeasure, type, ...`; `NextPageLink` is the next page's URL until it is null.
 */

export const RETAIL_PRICES_URL = "https://prices.azure.com/api/retail/prices";
/** Pages followed at most: a filter naming a few meters takes one or two. */
export const MAX_PAGES = 50;

export interface RetailItem {
  currencyCode: string;
  retailPrice: number;
  armRegionName: string;
  meterName: string;
  productName?: string;
  skuName?: string;
  serviceName?: string;
  unitOfMeasure: string;
  effectiveStartDate?: string;
  type?: string;
}

export class PricesError extends Error {}

/** An OData string literal: single quotes doubled. */
export const odata = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Every item the filter selects, page by page. */
export async function fetchRetailPrices(filter: string, currency: string, options: { url?: string; fetch?: typeof fetch; maxPages?: number } = {}): Promise<RetailItem[]> {
  const get = options.fetch ?? fetch;
  let next: string | null = `${options.url ?? RETAIL_PRICES_URL}?currencyCode=${encodeURIComponent(odata(currency))}&$filter=${encodeURIComponent(filter)}`;
  const items: RetailItem[] = [];
  for (let page = 0; next; page++) {
    if (page >= (options.maxPages ?? MAX_PAGES)) throw new PricesError(`more than ${options.maxPages ?? MAX_PAGES} pages for ${filter}: narrow the filter`);
    const response = await get(next);
    if (!response.ok) throw new PricesError(`${response.status} from the Retail Prices API for ${filter}`);
    const body = (await response.json()) as { Items?: unknown; NextPageLink?: unknown };
    if (!Array.isArray(body.Items)) throw new PricesError(`the Retail Prices API's answer has no Items array`);
    items.push(...(body.Items as RetailItem[]));
    next = typeof body.NextPageLink === "string" && body.NextPageLink ? body.NextPageLink : null;
  }
  return items;
}

/** Units of measure the catalogs' per-1M-token prices convert from: the factor to per 1M. */
const PER_MILLION_FACTOR: Record<string, number> = { "1M": 1, "1K": 1000, "1": 1_000_000 };

/** The catalog's price (per 1M tokens, per GB, per hour...) from an item: token meters are converted to per 1M. */
export function priceFrom(item: RetailItem, catalogUnit: string): number {
  if (/per 1M tokens/.test(catalogUnit)) {
    const factor = PER_MILLION_FACTOR[item.unitOfMeasure.trim()];
    if (factor === undefined) throw new PricesError(`meter "${item.meterName}": unit of measure "${item.unitOfMeasure}" is not one the catalog converts to per 1M tokens`);
    return item.retailPrice * factor;
  }
  return item.retailPrice;
}

interface MeterRef {
  meterName: string;
  armRegionName: string;
  currencyCode: string;
  [k: string]: unknown;
}
interface FigureJson {
  value: number;
  unit: string;
  asOf: string;
  meter?: MeterRef;
  [k: string]: unknown;
}

/** Every figure in a catalog's JSON that names a meter (walks the parsed JSON, returns live references). */
export function meteredFigures(json: unknown): FigureJson[] {
  const out: FigureJson[] = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    if (typeof o.value === "number" && o.meter && typeof o.meter === "object") out.push(o as unknown as FigureJson);
    else for (const child of Object.values(o)) walk(child);
  };
  walk(json);
  return out;
}

/**
 * The newest consumption price of each named meter, written into the figures (value, the meter's
 * names as the API spells them, effective date, the day read); returns the figures it could not find.
 */
export function applyPrices(json: unknown, items: RetailItem[], readOn: string): string[] {
  const missing: string[] = [];
  for (const figure of meteredFigures(json)) {
    const m = figure.meter!;
    const matches = items
      .filter((i) => i.meterName === m.meterName && i.armRegionName === m.armRegionName && i.currencyCode === m.currencyCode && (i.type === undefined || i.type === "Consumption"))
      .sort((a, b) => String(b.effectiveStartDate ?? "").localeCompare(String(a.effectiveStartDate ?? "")));
    const item = matches[0];
    if (!item) {
      missing.push(`${m.meterName} (${m.armRegionName}, ${m.currencyCode})`);
      continue;
    }
    figure.value = priceFrom(item, figure.unit);
    figure.asOf = readOn;
    figure.meter = {
      ...m, serviceName: item.serviceName, productName: item.productName, skuName: item.skuName, meterName: item.meterName,
      armRegionName: item.armRegionName, currencyCode: item.currencyCode, unitOfMeasure: item.unitOfMeasure, effectiveStartDate: item.effectiveStartDate, readOn,
    };
    delete (figure.meter as Record<string, unknown>).unconfirmed;
  }
  return missing;
}

/** One filter per region and currency naming every meter wanted there. */
export function filtersFor(json: unknown): Array<{ filter: string; currency: string }> {
  const groups = new Map<string, Set<string>>();
  for (const f of meteredFigures(json)) {
    const key = `${f.meter!.armRegionName}\u0000${f.meter!.currencyCode}`;
    const set = groups.get(key) ?? new Set<string>();
    set.add(f.meter!.meterName);
    groups.set(key, set);
  }
  return [...groups].map(([key, names]) => {
    const [region, currency] = key.split("\u0000");
    return { currency, filter: `armRegionName eq ${odata(region)} and (${[...names].map((n) => `meterName eq ${odata(n)}`).join(" or ")})` };
  });
}
