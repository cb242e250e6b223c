import * as pulumi from "@pulumi/pulumi";
import * as consumption from "@pulumi/azure-native/consumption";

export interface BudgetArgs {
  subscriptionId: pulumi.Input<string>;
  /** The groups whose spend counts: the stack's own and each upstream resource's. */
  resourceGroups: pulumi.Input<string>[];
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

/**
 * The budget filter's values. Cost data does not keep a resource group's casing reliably (ARM treats
 * names case-insensitively and cost exports often lower-case them), and whether the filter compares
 * case-sensitively is not documented: each name is given as written and lower-cased.
 */
export function budgetResourceGroupValues(groups: string[]): string[] {
  return [...new Set(groups.flatMap((g) => [g, g.toLowerCase()]))];
}

/**
 * A monthly cost budget where the money is spent: the subscription, filtered to the stack's resource group
 * and the upstream resources' groups. Voice Live / Azure OpenAI usage (~99% of the total) is billed to the
 * upstream resources, so a budget on the stack's group alone would see ~1% and never notify. Shape as in
 * Azure's quickstart templates (microsoft.consumption/create-budget-onefilter: subscription scope,
 * `filter.dimensions` ResourceGroupName In [...]); "In" is the only operator the API has.
 */
export class Budget extends pulumi.ComponentResource {
  readonly budget: consumption.Budget;

  constructor(name: string, args: BudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:Budget", name, {}, opts);
    if (!(args.amount > 0)) throw new Error(`Budget: amount must be positive, got ${args.amount}`);
    this.budget = new consumption.Budget(`${name}-monthly`, {
      scope: pulumi.interpolate`/subscriptions/${args.subscriptionId}`,
      filter: {
        dimensions: {
          name: "ResourceGroupName",
          operator: consumption.BudgetOperatorType.In,
          values: pulumi.all(args.resourceGroups).apply(budgetResourceGroupValues),
        },
      },
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
