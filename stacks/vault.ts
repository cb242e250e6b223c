import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { assignRole, BuiltInRole } from "./roles";

export interface VaultArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  identityName: string;
  /**
   * An identity made elsewhere (another region's vault of the same stack): this vault then creates none
   * and only grants it Key Vault Secrets User.
   */
  identity?: managedidentity.UserAssignedIdentity;
  /** Globally unique (see globalNames). */
  vaultName: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  /** Purge protection cannot be turned off again: production only. */
  purgeProtection: boolean;
  /**
   * Private network: publicNetworkAccess 'disabled' ("If set to 'disabled' all traffic except private
   * endpoint traffic and that that originates from trusted services will be blocked", Microsoft.KeyVault
   * vaults 2024-11-01, Azure/bicep-types-az, read 2026-12-03). `pulumi up` still writes the secrets:
   * keyvault.Secret is an ARM PUT, which the vault's network rules do not apply to
   * (MicrosoftDocs/azure-docs issue #68668).
   */
  privateOnly?: boolean;
}

/**
 * The app's user-assigned identity and a Key Vault with RBAC authorization and soft delete; the
 * identity reads secrets (Key Vault Secrets User).
 *
 * The deployer gets no data-plane role: `keyvault.Secret` is an ARM (management plane) PUT on
 * Microsoft.KeyVault/vaults/secrets, authorized by the deployer's ARM roles (Contributor's actions include
 * it; the deployer needs Owner, or Contributor plus a role that writes role assignments: preflight.ts), not by Key Vault data-plane roles (Key Vault RBAC guide, learn.microsoft.com
 * "Provide access to Key Vault keys, certificates, and secrets with Azure role-based access control",
 * read 2026-11; the ARM API's own note: "intended for internal use in ARM deployments"). A role for the
 * deployer would also need its principal type, which differs for users and for CI service principals.
 */
export class Vault extends pulumi.ComponentResource {
  readonly identity: managedidentity.UserAssignedIdentity;
  readonly vault: keyvault.Vault;
  /** Key Vault Secrets User for the identity: the app's secret references resolve only once it exists. */
  readonly readerRole: pulumi.Resource;
  private readonly args: VaultArgs;

  constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:Vault", name, {}, opts);
    this.args = args;
    this.identity = args.identity ?? new managedidentity.UserAssignedIdentity(`${name}-identity`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      resourceName: args.identityName,
    }, { parent: this });
    this.vault = new keyvault.Vault(`${name}-kv`, {
      resourceGroupName: args.resourceGroupName,
      vaultName: args.vaultName,
      location: args.location,
      properties: {
        tenantId: args.tenantId,
        sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        // Azure accepts only `true` or an absent value here.
        ...(args.purgeProtection ? { enablePurgeProtection: true } : {}),
        ...(args.privateOnly ? { publicNetworkAccess: "disabled", networkAcls: { defaultAction: "Deny", bypass: "None" } } : {}),
      },
    }, { parent: this });
    this.readerRole = assignRole(`${name}-secrets-user`, {
      scope: this.vault.id, principalId: this.identity.principalId,
      role: BuiltInRole.keyVaultSecretsUser, subscriptionId: args.subscriptionId,
    }, { parent: this });
    this.registerOutputs({ vaultName: this.vault.name, identityId: this.identity.id });
  }

  /** Stores a secret; returns its versionless URI, so a rotated value reaches the app's next revision. */
  secret(name: string, secretName: string, value: pulumi.Input<string>): pulumi.Output<string> {
    const secret = new keyvault.Secret(`${name}`, {
      resourceGroupName: this.args.resourceGroupName,
      vaultName: this.vault.name,
      secretName,
      properties: { value: pulumi.secret(value) },
    }, { parent: this });
    // The URI is not secret, but it derives from a resource holding one; unmarked, it would make the
    // whole container app configuration secret and unreadable in plans.
    return pulumi.unsecret(secret.properties.apply((p) => p.secretUri));
  }
}
