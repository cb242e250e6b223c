/**
 * The plan's policies as a Pulumi policy pack: `PULUMI_POLICY_STACK=prod pulumi preview -s prod --policy-pack policy`.
 * The checks live in stacks/policies.ts (pure, tested); policies.ts adapts them; this starts the server.
 * Pulumi's runner compiles this folder with its own tsconfig.json (tests/infra/policyPack.test.ts runs it).
 */
import { PolicyPack } from "@pulumi/policy";
import { packPolicies } from "./policies";

// The pack does not know the stack; PULUMI_POLICY_STACK=prod makes the prod-only rules mandatory.
new PolicyPack("voice-platform", { policies: packPolicies(process.env.PULUMI_POLICY_STACK ?? "") });
