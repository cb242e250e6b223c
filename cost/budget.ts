/** The stack's monthly budget: the expected estimate's monthly total plus headroom, with its derivation. */
import type { Estimate } from "./estimate";
import type { RangeEstimate } from "./ranges";

export interface BudgetDerivation {
  /** Whole USD, rounded up. */
  amount: number;
  monthlyTotal: number;
  headroomPercent: number;
  catalogId: string;
  /** The range's monthly totals, when one was computed. */
  range?: { low: number; high: number };
  lines: string[];
}

const usd = (x: number) => `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function budgetFromEstimate(e: Estimate, headroomPercent: number, context: { range?: RangeEstimate; pricing?: string[]; maxMinutes?: number } = {}): BudgetDerivation {
  if (!(headroomPercent >= 0)) throw new RangeError(`headroomPercent must be >= 0, got ${headroomPercent}`);
  const amount = Math.ceil(e.monthly.total * (1 + headroomPercent / 100));
  const i = e.monthly.infrastructureBreakdown;
  const lengths = e.input.durations.map((d) => (e.input.durations.length > 1 ? `${d.minutes} min x ${Math.round(d.share * 100)}%` : `${d.minutes} min`)).join(", ");
  const r = context.range;
  const lines = [
    ...(context.pricing ?? [`catalog ${e.catalog.id}`]),
    `${e.input.interviewsPerDay} interviews/day; lengths ${lengths}${context.maxMinutes !== undefined ? ` (session limit ${context.maxMinutes} min)` : ""}`,
    `API $${e.perInterview.total.toFixed(4)}/interview (expected) x ${e.monthly.interviews.toFixed(0)}/month = ${usd(e.monthly.api)}`,
    `infrastructure ${usd(e.monthly.infrastructure)} (Container Apps ${usd(i.containerApps)}, Front Door ${usd(i.frontDoor)} of which data transfer ${usd(i.frontDoorTransfer)}, Redis ${usd(i.redis)}, registry ${usd(i.containerRegistry)}, Key Vault ${usd(i.keyVault)}, logs ${usd(i.monitoring)})`,
  ];
  if (r) {
    lines.push(`range: $${r.low.perInterview.total.toFixed(2)} - $${r.high.perInterview.total.toFixed(2)} per interview, ${usd(r.low.monthly.total)} - ${usd(r.high.monthly.total)} per month (every parameter at its cheaper / dearer end)`);
    const top = r.sensitivity[0];
    if (top) lines.push(`moves it most: ${top.parameter} (${top.values.low} / ${top.values.high}: ${usd(Math.min(top.monthly.low, top.monthly.high))} - ${usd(Math.max(top.monthly.low, top.monthly.high))} per month)`);
  }
  lines.push(`monthly total $${e.monthly.total.toFixed(2)} + ${headroomPercent}% headroom = $${amount}`);
  return { amount, monthlyTotal: e.monthly.total, headroomPercent, catalogId: e.catalog.id, range: r ? { low: r.low.monthly.total, high: r.high.monthly.total } : undefined, lines };
}
