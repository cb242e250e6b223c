/** The stack's monthly budget: the estimate's monthly total plus headroom. */
import type { Estimate } from "./estimate";

export interface BudgetDerivation {
  /** Whole USD, rounded up. */
  amount: number;
  monthlyTotal: number;
  headroomPercent: number;
  catalogId: string;
  lines: string[];
}

export function budgetFromEstimate(e: Estimate, headroomPercent: number): BudgetDerivation {
  if (!(headroomPercent >= 0)) throw new RangeError(`headroomPercent must be >= 0, got ${headroomPercent}`);
  const amount = Math.ceil(e.monthly.total * (1 + headroomPercent / 100));
  const i = e.monthly.infrastructureBreakdown;
  return {
    amount,
    monthlyTotal: e.monthly.total,
    headroomPercent,
    catalogId: e.catalog.id,
    lines: [
      `catalog ${e.catalog.id}: ${e.input.interviewsPerDay} interviews/day x ${e.input.minutesPerInterview} min`,
      `API $${e.perInterview.total.toFixed(4)}/interview x ${e.monthly.interviews.toFixed(0)}/month = $${e.monthly.api.toFixed(2)}`,
      `infrastructure $${e.monthly.infrastructure.toFixed(2)} (Container Apps $${i.containerApps.toFixed(2)}, Front Door $${i.frontDoor.toFixed(2)}, Redis $${i.redis.toFixed(2)}, logs $${i.monitoring.toFixed(2)})`,
      `monthly total $${e.monthly.total.toFixed(2)} + ${headroomPercent}% headroom = $${amount}`,
    ],
  };
}
