import * as pulumi from "@pulumi/pulumi";
import * as consumption from "@pulumi/azure-native/consumption";

export interface BudgetArgs {
  scope: pulumi.Input<string>;
  budgetName: string;
  amount: number;
  financeEmails: string[];
  actionGroupId: pulumi.Input<string>;
  /** First day of the first month, YYYY-MM-01. */
  startDate: string;
}

/** Percentages of the monthly budget that notify finance and the action group. */
export const BUDGET_NOTIFICATIONS = [
  { key: "actual50", threshold: 50, thresholdType: consumption.ThresholdType.Actual },
  { key: "actual80", threshold: 80, thresholdType: consumption.ThresholdType.Actual },
  { key: "actual100", threshold: 100, thresholdType: consumption.ThresholdType.Actual },
  { key: "forecast100", threshold: 100, thresholdType: consumption.ThresholdType.Forecasted },
] as const;

/** The first day of the month of `now`, as Azure budgets need it. */
export function firstOfMonth(now: Date): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}-01`;
}

/** A monthly cost budget on the resource group. */
export class Budget extends pulumi.ComponentResource {
  readonly budget: consumption.Budget;

  constructor(name: string, args: BudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:Budget", name, {}, opts);
    if (!(args.amount > 0)) throw new Error(`Budget: amount must be positive, got ${args.amount}`);
    this.budget = new consumption.Budget(`${name}-monthly`, {
      scope: args.scope,
      budgetName: args.budgetName,
      amount: args.amount,
      category: consumption.CategoryType.Cost,
      timeGrain: consumption.TimeGrainType.Monthly,
      timePeriod: { startDate: `${args.startDate}T00:00:00Z` },
      notifications: Object.fromEntries(BUDGET_NOTIFICATIONS.map((n) => [n.key, {
        enabled: true,
        operator: consumption.OperatorType.GreaterThanOrEqualTo,
        threshold: n.threshold,
        thresholdType: n.thresholdType,
        contactEmails: args.financeEmails,
        contactGroups: [args.actionGroupId],
      }])),
      // The start date is fixed at creation; a later run in another month must not try to move it.
    }, { parent: this, ignoreChanges: ["timePeriod"] });
    this.registerOutputs({ amount: args.amount });
  }
}
