import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

/** Built-in Azure role definition ids (the same in every tenant). */
export const BuiltInRole = {
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  acrPull: "7f951dca-d5c3-4a0a-9b4b-c1fe1f0d7e43",
  cognitiveServicesUser: "a97b65f3-24c7-4388-baec-2e87135dc908",
} as const;

export function roleDefinitionId(subscriptionId: pulumi.Input<string>, role: string): pulumi.Output<string> {
  return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
}

export function assignRole(
  name: string,
  args: { scope: pulumi.Input<string>; principalId: pulumi.Input<string>; role: string; subscriptionId: pulumi.Input<string>; principalType: "ServicePrincipal" | "User" },
  opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(name, {
    scope: args.scope,
    principalId: args.principalId,
    principalType: args.principalType,
    roleDefinitionId: roleDefinitionId(args.subscriptionId, args.role),
  }, opts);
}
