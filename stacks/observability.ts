import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";

export interface ObservabilityArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  workspaceName: string;
  appInsightsName: string;
  retentionDays?: number;
  /** Daily ingestion cap (GB): ingestion stops for the rest of the day past it (sizing.ts logDailyCap). */
  dailyCapGb: number;
}

/** Log Analytics workspace and a workspace-based Application Insights component. */
export class Observability extends pulumi.ComponentResource {
  readonly workspace: operationalinsights.Workspace;
  readonly appInsights: applicationinsights.Component;
  readonly connectionString: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:Observability", name, {}, opts);
    this.workspace = new operationalinsights.Workspace(`${name}-logs`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      workspaceName: args.workspaceName,
      sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
      retentionInDays: args.retentionDays ?? 30,
      workspaceCapping: { dailyQuotaGb: args.dailyCapGb },
    }, { parent: this });
    this.appInsights = new applicationinsights.Component(`${name}-appi`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      resourceName: args.appInsightsName,
      kind: "web",
      applicationType: applicationinsights.ApplicationType.Web,
      ingestionMode: applicationinsights.IngestionMode.LogAnalytics,
      workspaceResourceId: this.workspace.id,
    }, { parent: this });
    this.connectionString = this.appInsights.connectionString;
    this.registerOutputs({ workspaceId: this.workspace.id, appInsightsId: this.appInsights.id });
  }
}
