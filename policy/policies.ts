/**
 * The plan's policies (stacks/policies.ts) as Pulumi validation policies: the same checks, the same
 * level per stack. Separate from index.ts, which starts the policy server, so tests can call them.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { POLICIES, STACK_POLICIES } from "../stacks/policies";

const describe = (name: string): string => `voice platform: ${name.replace(/-/g, " ")}`;

export function packPolicies(stack: string): (ResourceValidationPolicy | StackValidationPolicy)[] {
  const resourcePolicies: ResourceValidationPolicy[] = POLICIES.map((policy) => ({
    name: policy.name,
    description: describe(policy.name),
    enforcementLevel: policy.level(stack),
    validateResource: (args, reportViolation) => {
      for (const message of policy.check({ type: args.type, name: args.name, parent: null, inputs: args.props })) reportViolation(message);
    },
  }));
  const stackPolicies: StackValidationPolicy[] = STACK_POLICIES.map((policy) => ({
    name: policy.name,
    description: describe(policy.name),
    enforcementLevel: policy.level(stack),
    validateStack: (args, reportViolation) => {
      for (const message of policy.check(args.resources.map((r) => ({ type: r.type, name: r.name, parent: null, inputs: r.props })))) reportViolation(message);
    },
  }));
  return [...resourcePolicies, ...stackPolicies];
}
