/**
 * The plan's policies (stacks/policies.ts) as Pulumi resource validation policies: the same checks, the
 * same level per stack. Separate from index.ts, which starts the policy server, so tests can call them.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { POLICIES } from "../stacks/policies";

export function packPolicies(stack: string): ResourceValidationPolicy[] {
  return POLICIES.map((policy) => ({
    name: policy.name,
    description: `voice platform: ${policy.name.replace(/-/g, " ")}`,
    enforcementLevel: policy.level(stack),
    validateResource: (args, reportViolation) => {
      for (const message of policy.check({ type: args.type, name: args.name, parent: null, inputs: args.props })) reportViolation(message);
    },
  }));
}
