/**
 * The Pulumi program: validate the stack config once, compose the platform, export its outputs.
 * `pulumi up -s prod` runs this against Azure; `npm run plan` runs the same file under the mock engine.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseConfigValue, parseStackConfig, PROJECT, StackConfigSchema, StackConfigError } from "./stacks/config";
import { createPlatform } from "./stacks/platform";
import { exchangeAcrToken, type RegistryTokenExchange } from "./stacks/registry";

const stack = pulumi.getStack();
const cfg = new pulumi.Config(PROJECT);

// The same raw object `npm run plan` builds from Pulumi.<stack>.yaml: every top-level key of the schema.
// The engine hands structured values over as JSON and plain strings as they are.
const raw: Record<string, unknown> = {};
for (const key of Object.keys(StackConfigSchema.shape)) {
  const value = cfg.get(key);
  if (value !== undefined) raw[key] = parseConfigValue(value);
}

let config;
try {
  config = parseStackConfig(stack, raw);
} catch (error) {
  if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
  throw error;
}

/** The plan's mock engine swaps the registry token exchange for one that makes no network call. */
const exchange: RegistryTokenExchange =
  (globalThis as { __voicePlanRegistryExchange?: RegistryTokenExchange }).__voicePlanRegistryExchange ?? exchangeAcrToken;

const platform = createPlatform({
  stack,
  config,
  contextDir: path.resolve(__dirname),
  exchangeRegistryToken: exchange,
  secrets: {
    upstreamKeys: cfg.getSecretObject<Record<string, string>>("upstreamKeys") ?? pulumi.secret<Record<string, string>>({}),
    alertWebhookUrl: cfg.getSecret("alertWebhookUrl"),
  },
});

export const wssUrl = platform.outputs.wssUrl;
export const appFqdn = platform.outputs.appFqdn;
export const imageDigest = platform.outputs.imageDigest;
export const keyVaultName = platform.outputs.keyVaultName;
export const budgetAmount = platform.outputs.budgetAmount;
export const sessionCapacity = platform.outputs.sessionCapacity;
export const frontDoorId = platform.outputs.frontDoorId;
export const budgetDerivation = platform.budget.derivation?.lines ?? [`fixed amount ${platform.budget.amount}`];
export const capacityWarnings = platform.warnings;
