/**
 * The plan's policies as a Pulumi policy pack: `pulumi preview -s prod --policy-pack policy`.
 * The checks themselves live in stacks/policies.ts (pure, tested); this only adapts them.
 */
import { PolicyPack, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { POLICIES, STACK_POLICIES } from "../stacks/policies";

// The pack does not know the stack; PULUMI_POLICY_STACK=prod makes the prod-only rules mandatory.
const stack = process.env.PULUMI_POLICY_STACK ?? "";

const policies: ResourceValidationPolicy[] = POLICIES.map((policy) => ({
  name: policy.name,
  description: `voice platform: ${policy.name.replace(/-/g, " ")}`,
  enforcementLevel: policy.level(stack),
  validateResource: (args, reportViolation) => {
    for (const message of policy.check({ type: args.type, name: args.name, parent: null, inputs: args.props })) reportViolation(message);
  },
}));

const stackPolicies: StackValidationPolicy[] = STACK_POLICIES.map((policy) => ({
  name: policy.name,
  description: `voice platform: ${policy.name.replace(/-/g, " ")}`,
  enforcementLevel: policy.level(stack),
  validateStack: (args, reportViolation) => {
    for (const message of policy.check(args.resources.map((r) => ({ type: r.type, name: r.name, parent: null, inputs: r.props })))) reportViolation(message);
  },
}));

new PolicyPack("voice-platform", { policies: [...policies, ...stackPolicies] });
