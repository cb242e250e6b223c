import * as pulumi from "@pulumi/pulumi";
import * as redis from "@pulumi/azure-native/redis";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import { PRIVATE_LINK, type PrivateLinkTarget } from "./privateEndpoints";

export interface RedisStoreArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Globally unique (see globalNames). */
  name: pulumi.Input<string>;
  /** Azure Cache for Redis (Basic_C1, Standard_C1, Premium_P1) or Azure Managed Redis (Balanced_B0, Balanced_B1). */
  sku: string;
  /**
   * Private network: public network access Disabled ('Enabled' | 'Disabled', "Azure Managed Redis with
   * Azure Private Link", learn.microsoft.com, read 2026-12-03); the stack adds a private endpoint.
   */
  privateOnly?: boolean;
}

/**
 * The `rediss://` URL the service receives. Access keys are base64 and contain "/", "+" and "=": as a
 * URL's password they must be percent-encoded ("/" would end the authority and "+"/"=" are not safe
 * userinfo characters; WHATWG URL), and the `redis` client decodes them (decodeURIComponent in
 * @redis/client's parseURL). The empty user name selects the default user.
 */
export function redisUrl(host: string, port: number, accessKey: string): string {
  return `rediss://:${encodeURIComponent(accessKey)}@${host}:${port}`;
}

/** Azure Managed Redis listens for TLS on 10000 (learn.microsoft.com, Azure Managed Redis "TLS configuration"). */
export const MANAGED_REDIS_PORT = 10000;

/**
 * The session registry's Redis, TLS only. Azure Cache for Redis is retiring and new tenants can no
 * longer create it (Azure Cache for Redis retirement FAQ, learn.microsoft.com, 2025-10), so Azure Managed Redis is a stack choice with the same service
 * code; either way the app receives one `rediss://` URL (a secret: it carries the access key).
 */
export class RedisStore extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  /** Host, TLS port and access key (secret), for the open-sessions scale rule. */
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly accessKey: pulumi.Output<string>;
  readonly resourceId: pulumi.Output<string>;
  readonly kind: "cache" | "managed";
  /** The Private Link sub-resource and DNS zone of this kind of Redis. */
  readonly privateLink: PrivateLinkTarget;

  constructor(name: string, args: RedisStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:RedisStore", name, {}, opts);
    const [tier, size] = args.sku.split("_");
    if (tier === "Balanced") {
      this.kind = "managed";
      this.privateLink = PRIVATE_LINK.redisEnterprise;
      const cluster = new redisenterprise.RedisEnterprise(`${name}-amr`, {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        clusterName: args.name,
        sku: { name: args.sku },
        minimumTlsVersion: redisenterprise.TlsVersion.TlsVersion_1_2,
        // Without the private network the environment has no VNet: access is by TLS and key.
        publicNetworkAccess: args.privateOnly ? "Disabled" : "Enabled",
      }, { parent: this });
      const database = new redisenterprise.Database(`${name}-db`, {
        resourceGroupName: args.resourceGroupName,
        clusterName: cluster.name,
        databaseName: "default",
        clientProtocol: redisenterprise.Protocol.Encrypted,
        port: MANAGED_REDIS_PORT,
        // The registry's Lua scripts touch several keys: the Enterprise policy runs them in one proxy.
        clusteringPolicy: redisenterprise.ClusteringPolicy.EnterpriseCluster,
        evictionPolicy: redisenterprise.EvictionPolicy.NoEviction,
        // API 2025-07-01 turned the default to Disabled (its release notes: "Updated the default value of
        // AccessKeysAuthentication property for Database to 'Disabled'"); the service and the KEDA redis
        // scaler (which has no Entra auth) both log in with the access key.
        accessKeysAuthentication: redisenterprise.AccessKeysAuthentication.Enabled,
      }, { parent: this });
      const keys = redisenterprise.listDatabaseKeysOutput({ resourceGroupName: args.resourceGroupName, clusterName: cluster.name, databaseName: database.name }, { parent: this });
      this.host = cluster.hostName.apply((h) => h ?? "");
      this.port = pulumi.output(MANAGED_REDIS_PORT);
      this.accessKey = pulumi.secret(keys.primaryKey);
      this.resourceId = cluster.id;
    } else {
      this.kind = "cache";
      this.privateLink = PRIVATE_LINK.redisCache;
      const family = size.startsWith("P") ? redis.SkuFamily.P : redis.SkuFamily.C;
      const cache = new redis.Redis(`${name}-cache`, {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        name: args.name,
        sku: { name: tier as redis.SkuName, family, capacity: Number(size.slice(1)) },
        enableNonSslPort: false,
        minimumTlsVersion: redis.TlsVersion.TlsVersion_1_2,
        redisVersion: "6",
        publicNetworkAccess: args.privateOnly ? "Disabled" : "Enabled",
      }, { parent: this });
      const keys = redis.listRedisKeysOutput({ resourceGroupName: args.resourceGroupName, name: cache.name }, { parent: this });
      this.host = cache.hostName;
      this.port = cache.sslPort;
      this.accessKey = pulumi.secret(keys.primaryKey);
      this.resourceId = cache.id;
    }
    this.url = pulumi.secret(pulumi.all([this.host, this.port, this.accessKey]).apply(([host, port, key]) => redisUrl(host, port, key)));
    this.registerOutputs({ resourceId: this.resourceId });
  }
}
