/** The stack's monthly budget, derived from the estimator when the stack gives expected volume. */
import { loadCatalog, DEFAULT_CATALOG_ID } from "./catalog";
import { estimate, type Sizing } from "./estimate";

export interface BudgetInput {
  catalogId?: string;
  interviewsPerDay: number;
  minutesPerInterview: number;
  headroomPercent: number;
  sizing: Sizing;
  upstreamResources?: number;
  rotateMinutes?: number;
}

export interface BudgetDerivation {
  /** Whole USD, rounded up. */
  amount: number;
  monthlyTotal: number;
  headroomPercent: number;
  catalogId: string;
  lines: string[];
}

export function deriveBudget(input: BudgetInput): BudgetDerivation {
  if (!(input.headroomPercent >= 0)) throw new RangeError(`headroomPercent must be >= 0, got ${input.headroomPercent}`);
  const catalogId = input.catalogId ?? DEFAULT_CATALOG_ID;
  const e = estimate({
    catalog: loadCatalog(catalogId), interviewsPerDay: input.interviewsPerDay, minutesPerInterview: input.minutesPerInterview,
    sizing: input.sizing, upstreamResources: input.upstreamResources, rotateMinutes: input.rotateMinutes,
  });
  const amount = Math.ceil(e.monthly.total * (1 + input.headroomPercent / 100));
  return {
    amount,
    monthlyTotal: e.monthly.total,
    headroomPercent: input.headroomPercent,
    catalogId,
    lines: [
      `catalog ${catalogId}: ${input.interviewsPerDay} interviews/day x ${input.minutesPerInterview} min`,
      `API $${e.perInterview.total.toFixed(4)}/interview x ${e.monthly.interviews.toFixed(0)}/month = $${e.monthly.api.toFixed(2)}`,
      `infrastructure $${e.monthly.infrastructure.toFixed(2)} (Container Apps $${e.monthly.infrastructureBreakdown.containerApps.toFixed(2)}, Front Door $${e.monthly.infrastructureBreakdown.frontDoor.toFixed(2)}, Redis $${e.monthly.infrastructureBreakdown.redis.toFixed(2)}, logs $${e.monthly.infrastructureBreakdown.monitoring.toFixed(2)})`,
      `monthly total $${e.monthly.total.toFixed(2)} + ${input.headroomPercent}% headroom = $${amount}`,
    ],
  };
}
