import * as pulumi from "@pulumi/pulumi";
import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import type { Upstream } from "../contracts";
import { COGNITIVE_SERVICES } from "./azureLiterals";
import type { UpstreamCreate } from "./config";

export interface UpstreamAccountArgs {
  upstream: Upstream;
  create: UpstreamCreate;
  /** The URL's first label (stacks/config.ts upstreamAccountName): the account's name and custom subdomain. */
  accountName: string;
  resourceGroupName: pulumi.Input<string>;
}

/**
 * An upstream resource the program creates: a Foundry (AI Services) account in the upstream's region,
 * answering under its custom subdomain (the entry's URL), local (key) auth only for a key-auth upstream;
 * for Azure OpenAI, the model deployment the entry names. `key` is the account's first key (a secret), for
 * Key Vault; an Entra upstream has none and the app's identity gets a role on `account` instead.
 */
export class UpstreamAccount extends pulumi.ComponentResource {
  readonly account: cognitiveservices.Account;
  readonly key?: pulumi.Output<string>;

  constructor(name: string, args: UpstreamAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:UpstreamAccount", name, {}, opts);
    const { upstream, create } = args;
    if (!upstream.region) throw new Error(`UpstreamAccount: upstream "${upstream.name}" has no region`);
    this.account = new cognitiveservices.Account(`${name}-account`, {
      resourceGroupName: args.resourceGroupName,
      accountName: args.accountName,
      location: upstream.region,
      kind: COGNITIVE_SERVICES.kind,
      sku: { name: COGNITIVE_SERVICES.sku },
      properties: {
        customSubDomainName: args.accountName,
        // Keys exist only for a key-auth upstream; an Entra upstream is reached with the identity's token.
        disableLocalAuth: upstream.auth === "entra",
        publicNetworkAccess: "Enabled",
      },
    }, { parent: this });
    if (create.deployment) {
      if (!upstream.deployment) throw new Error(`UpstreamAccount: upstream "${upstream.name}" names no deployment`);
      new cognitiveservices.Deployment(`${name}-deployment`, {
        resourceGroupName: args.resourceGroupName,
        accountName: this.account.name,
        deploymentName: upstream.deployment,
        sku: { name: create.deployment.sku, capacity: create.deployment.capacity },
        properties: { model: { format: COGNITIVE_SERVICES.openAiModelFormat, name: create.deployment.model, version: create.deployment.version } },
      }, { parent: this });
    }
    if (upstream.auth === "key") {
      const keys = cognitiveservices.listAccountKeysOutput({ resourceGroupName: args.resourceGroupName, accountName: this.account.name }, { parent: this });
      this.key = pulumi.secret(keys.apply((k) => k.key1 ?? ""));
    }
    this.registerOutputs({ accountId: this.account.id });
  }
}
