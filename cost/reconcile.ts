/**
 * The invoice beside the meter and the model, day by day. Pure (the cost command reads the files).
 *
 * The invoice: a Cost Management export in the FOCUS format ("FOCUS cost and usage details file
 * schema", learn.microsoft.com/azure/cost-management-billing/dataset-schema/cost-usage-details-focus,
 * MicrosoftDocs/azure-docs ms.date 2025-01-24, read 2026-12-03). Columns used: ChargePeriodStart
 * ("Inclusive start date and time of a charge period"), BilledCost ("A charge serving as the basis for
 * invoicing"), BillingCurrency, x_ResourceGroupName, ChargeCategory ("Usage", "Purchase", ...; only
 * Usage rows are compared). The legacy actual-cost export's column names were not confirmed by search
 * here, so it is not read.
 *
 * The meter: a CSV with `timestamp` and `usd` columns, one row per cost record, e.g. the export of
 * `customEvents | where name == "VoiceSessionCost" | project timestamp, usd = todouble(customDimensions.usd)`
 * (docs/cost-model.md).
 *
 * Drift is the meter against the invoice's upstream cost (the meter prices only the upstream's tokens).
 * A week (7 days from the first day) whose drift is above the tolerance is flagged.
 */

export const WEEKLY_DRIFT_TOLERANCE = 0.02;

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export class ReconcileError extends Error {}

function table(text: string, file: string, required: string[]): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ""));
  if (!header) throw new ReconcileError(`${file}: empty`);
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) throw new ReconcileError(`${file}: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (has ${header.join(", ")})`);
  return rows.map((r, n) => {
    if (r.length !== header.length) throw new ReconcileError(`${file}: row ${n + 2} has ${r.length} fields, the header ${header.length}`);
    return Object.fromEntries(header.map((h, i) => [h, r[i]]));
  });
}

const day = (value: string, file: string, row: number): string => {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new ReconcileError(`${file}: row ${row}: "${value}" is not a date`);
  return d.toISOString().slice(0, 10);
};
const amount = (value: string, file: string, row: number, column: string): number => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new ReconcileError(`${file}: row ${row}: ${column} "${value}" is not a number`);
  return n;
};

export interface InvoiceDay {
  upstream: number;
  platform: number;
}

/** Per day, the invoice's usage cost in the upstreams' groups and in the platform's group; other groups are left out. */
export function readFocusExport(text: string, groups: { upstream: string[]; platform: string[] }, file = "export"): { currency: string; days: Map<string, InvoiceDay> } {
  const rows = table(text, file, ["ChargePeriodStart", "BilledCost", "BillingCurrency", "x_ResourceGroupName", "ChargeCategory"]);
  const upstream = new Set(groups.upstream.map((g) => g.toLowerCase()));
  const platform = new Set(groups.platform.map((g) => g.toLowerCase()));
  const days = new Map<string, InvoiceDay>();
  const currencies = new Set<string>();
  rows.forEach((r, n) => {
    if (r.ChargeCategory !== "Usage") return;
    const group = r.x_ResourceGroupName.toLowerCase();
    const side = upstream.has(group) ? "upstream" : platform.has(group) ? "platform" : undefined;
    if (!side) return;
    currencies.add(r.BillingCurrency);
    const d = day(r.ChargePeriodStart, file, n + 2);
    const entry = days.get(d) ?? { upstream: 0, platform: 0 };
    entry[side] += amount(r.BilledCost, file, n + 2, "BilledCost");
    days.set(d, entry);
  });
  if (currencies.size > 1) throw new ReconcileError(`${file}: several billing currencies (${[...currencies].join(", ")}): reconcile one at a time`);
  return { currency: [...currencies][0] ?? "USD", days };
}

/** Per day, the metered cost (sum of the records' usd). */
export function readMeteredRecords(text: string, file = "metered"): Map<string, number> {
  const rows = table(text, file, ["timestamp", "usd"]);
  const days = new Map<string, number>();
  rows.forEach((r, n) => {
    const d = day(r.timestamp, file, n + 2);
    days.set(d, (days.get(d) ?? 0) + amount(r.usd, file, n + 2, "usd"));
  });
  return days;
}

export interface ReconciledDay {
  day: string;
  invoiceUpstream: number;
  invoicePlatform: number;
  metered: number;
  model: number;
  /** (metered - invoice upstream) / invoice upstream; undefined without invoice cost. */
  drift?: number;
}

export interface ReconciledWeek {
  from: string;
  to: string;
  invoiceUpstream: number;
  metered: number;
  model: number;
  drift?: number;
  flagged: boolean;
}

export function reconcile(invoice: Map<string, InvoiceDay>, metered: Map<string, number>, modelPerDay: number, tolerance = WEEKLY_DRIFT_TOLERANCE): { days: ReconciledDay[]; weeks: ReconciledWeek[] } {
  const all = [...new Set([...invoice.keys(), ...metered.keys()])].sort();
  const drift = (m: number, i: number) => (i > 0 ? (m - i) / i : undefined);
  const days = all.map((d) => {
    const inv = invoice.get(d) ?? { upstream: 0, platform: 0 };
    const m = metered.get(d) ?? 0;
    return { day: d, invoiceUpstream: inv.upstream, invoicePlatform: inv.platform, metered: m, model: modelPerDay, drift: drift(m, inv.upstream) };
  });
  const weeks: ReconciledWeek[] = [];
  for (let i = 0; i < days.length; i += 7) {
    const slice = days.slice(i, i + 7);
    const invoiceUpstream = slice.reduce((s, d) => s + d.invoiceUpstream, 0);
    const m = slice.reduce((s, d) => s + d.metered, 0);
    const w = drift(m, invoiceUpstream);
    weeks.push({ from: slice[0].day, to: slice[slice.length - 1].day, invoiceUpstream, metered: m, model: modelPerDay * slice.length, drift: w, flagged: w === undefined ? m > 0 : Math.abs(w) > tolerance });
  }
  return { days, weeks };
}
