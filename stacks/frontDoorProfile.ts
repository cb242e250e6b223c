import * as pulumi from "@pulumi/pulumi";
import * as cdn from "@pulumi/azure-native/cdn";
import type { FrontDoorSku } from "./networkSizing";

/**
 * Front Door Standard, in two parts because the app needs the profile's id (FRONT_DOOR_ID, checked
 * against X-Azure-FDID so direct hits are refused) and the origin needs the app's FQDN.
 */
export class FrontDoorProfile extends pulumi.ComponentResource {
  readonly profile: cdn.Profile;
  /** The value Front Door sends as X-Azure-FDID. */
  readonly frontDoorId: pulumi.Output<string>;

  constructor(name: string, args: { resourceGroupName: pulumi.Input<string>; profileName: string; sku?: FrontDoorSku }, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:FrontDoorProfile", name, {}, opts);
    this.profile = new cdn.Profile(`${name}-profile`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      location: "global",
      // Premium for Private Link to the origin and managed WAF rules (stacks/networkSizing.ts frontDoorSku).
      sku: { name: args.sku ?? "Standard_AzureFrontDoor" },
      // WebSockets live up to 45 minutes here; Front Door's own limit is 4 hours.
      originResponseTimeoutSeconds: 60,
    }, { parent: this });
    this.frontDoorId = this.profile.frontDoorId;
    this.registerOutputs({ frontDoorId: this.frontDoorId });
  }
}
