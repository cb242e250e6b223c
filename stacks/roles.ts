import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { BUILT_IN_ROLES } from "./azureLiterals";

/** Built-in Azure role definition ids the program assigns (sources in azureLiterals.ts). */
export const BuiltInRole = {
  keyVaultSecretsUser: BUILT_IN_ROLES.keyVaultSecretsUser.id,
  acrPull: BUILT_IN_ROLES.acrPull.id,
  cognitiveServicesUser: BUILT_IN_ROLES.cognitiveServicesUser.id,
} as const;

export function roleDefinitionId(subscriptionId: pulumi.Input<string>, role: string): pulumi.Output<string> {
  return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
}

/** The namespace of this program's role assignment names (a fixed random UUID). */
export const ROLE_ASSIGNMENT_NAMESPACE = "5d1f6a2e-8c1b-4f7e-9a3d-2b6c0e4f7a91";

/** A name-based UUID (version 5: SHA-1), RFC 9562 section 5.5. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  if (ns.length !== 16) throw new Error(`namespace ${namespace} is not a UUID`);
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A role assignment's name from what it grants (scope, principal, role), like Bicep's
 * `guid(scope, principalId, roleDefinitionId)` in Azure Verified Modules: the same grant always gets the
 * same name. What that buys: a re-run never creates a second assignment for the same grant, and a run
 * after the state was lost fails on a name the operator can find (`az role assignment list`), delete or
 * `pulumi import`; it does not adopt the existing assignment (azure-native creates with PUT and refuses a
 * resource that already exists, RoleAssignmentExists / "already exists").
 * Lower-cased: ARM ids are case-insensitive, and the same assignment must get the same name.
 */
export function roleAssignmentName(scope: string, principalId: string, roleDefinitionId: string): string {
  return uuidV5(JSON.stringify([scope, principalId, roleDefinitionId].map((s) => s.toLowerCase())), ROLE_ASSIGNMENT_NAMESPACE);
}

/**
 * Assigns a role to a managed identity. Only identities the program creates are given roles, and a
 * managed identity is a service principal (principalType "ServicePrincipal"; stating it avoids the
 * PrincipalNotFound race on a freshly created identity). The deploying principal gets no role here:
 * it may be a user or a service principal, and a wrong principalType fails with UnmatchedPrincipalType.
 */
export function assignRole(
  name: string,
  args: { scope: pulumi.Input<string>; principalId: pulumi.Input<string>; role: string; subscriptionId: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
  const definition = roleDefinitionId(args.subscriptionId, args.role);
  return new authorization.RoleAssignment(name, {
    roleAssignmentName: pulumi.all([args.scope, args.principalId, definition]).apply(([scope, principal, role]) => roleAssignmentName(scope, principal, role)),
    scope: args.scope,
    principalId: args.principalId,
    principalType: authorization.PrincipalType.ServicePrincipal,
    roleDefinitionId: definition,
  }, opts);
}
