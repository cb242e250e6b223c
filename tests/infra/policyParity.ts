/**
 * The policy pack's verdicts (policy/policies.ts, as `pulumi preview --policy-pack policy` runs them)
 * against the plan's (stacks/policies.ts runPolicies), over what a stack registers and over copies of it
 * broken the ways the policies exist for, so the comparison is not only of two empty lists.
 */
import type { PolicyResult, RegisteredResource } from "../../stacks/policies";
import { packPolicies } from "../../policy/policies";

export function packVerdicts(stack: string, resources: RegisteredResource[]): PolicyResult[] {
  const out: PolicyResult[] = [];
  for (const policy of packPolicies(stack)) {
    const level = policy.enforcementLevel as PolicyResult["level"];
    if ("validateStack" in policy) {
      // A stack policy sees every resource's properties as `props` at once; the plan reports it as "(stack)".
      const report = (message: string) => out.push({ policy: policy.name, resource: "(stack)", level, message });
      (policy.validateStack as (args: unknown, report: (m: string) => void) => void)({ resources: resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs })) }, report);
      continue;
    }
    for (const r of resources) {
      const report = (message: string) => out.push({ policy: policy.name, resource: `${r.type}::${r.name}`, level, message });
      // The pack receives the resource's properties as `props`; nothing else of the args is used.
      (policy.validateResource as (args: unknown, report: (m: string) => void) => void)({ type: r.type, name: r.name, props: r.inputs }, report);
    }
  }
  return out;
}

/** Copies of the registered resources with the defects the policies guard against. */
export function brokenCopies(resources: RegisteredResource[]): RegisteredResource[] {
  const clone = (r: RegisteredResource, change: (inputs: Record<string, unknown>) => void): RegisteredResource => {
    const inputs = JSON.parse(JSON.stringify(r.inputs)) as Record<string, unknown>;
    change(inputs);
    return { ...r, name: `${r.name}-broken`, inputs };
  };
  return resources.flatMap((r) => {
    switch (r.type) {
      case "azure-native:redisenterprise:Database":
        return [clone(r, (i) => { i.clusteringPolicy = "EnterpriseCluster"; i.evictionPolicy = "VolatileLRU"; })];
      case "azure-native:redis:Redis":
        return [clone(r, (i) => { delete i.redisConfiguration; i.enableNonSslPort = true; })];
      case "azure-native:keyvault:Vault":
        return [clone(r, (i) => { (i.properties as Record<string, unknown>).enableRbacAuthorization = false; })];
      case "azure-native:authorization:RoleAssignment":
        return [clone(r, (i) => { delete i.roleAssignmentName; })];
      case "azure-native:cdn:AFDOriginGroup":
        return [clone(r, (i) => { i.sessionAffinityState = "Disabled"; })];
      case "azure-native:web:WebApp":
        return [clone(r, (i) => { i.clientAffinityEnabled = false; })];
      case "azure-native:app:ContainerApp":
        return [clone(r, (i) => { ((i.configuration as Record<string, unknown>).ingress as Record<string, unknown>).stickySessions = { affinity: "none" }; })];
      default:
        return [];
    }
  });
}
