import * as pulumi from "@pulumi/pulumi";
import * as redis from "@pulumi/azure-native/redis";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import { AZURE_CACHE_FOR_REDIS, MANAGED_REDIS } from "./azureLiterals";
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

/** Azure Managed Redis listens for TLS on 10000 (azureLiterals.ts). */
export const MANAGED_REDIS_PORT = MANAGED_REDIS.port;

/** Azure Cache for Redis SKUs (Basic/Standard/Premium): only tenants that had a cache before the cutoff can create one. */
export function isAzureCacheForRedis(sku: string): boolean {
  return !sku.startsWith("Balanced_");
}

/**
 * The session registry's Redis, TLS only, never evicting. Azure Managed Redis is the default (new tenants
 * can no longer create Azure Cache for Redis, which retires); Basic/Standard/Premium stay a stack choice
 * for tenants that already have one (`plan` warns). Either way the app receives one `rediss://` URL (a
 * secret: it carries the access key).
 *
 * The registry runs multi-key Lua scripts and MULTI over keys in different hash slots, so the Managed
 * Redis database is non-clustered (`NoCluster`): under `EnterpriseCluster` those get CROSSSLOT and under
 * `OSSCluster` the client would need cluster mode. The policy cannot be changed after creation, and the
 * plan's policies refuse any other (stacks/policies.ts). A registry must never be evicted: `NoEviction`
 * on Managed Redis, `maxmemory-policy noeviction` on Azure Cache for Redis (whose default, volatile-lru,
 * evicts keys with a TTL: resume state, per-user sets, session hashes).
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
        clusteringPolicy: MANAGED_REDIS.clusteringPolicy,
        evictionPolicy: MANAGED_REDIS.evictionPolicy,
        // API 2025-07-01 turned the default to Disabled (its release notes: "Updated the default value of
        // AccessKeysAuthentication property for Database to 'Disabled'"); the service and the KEDA redis
        // scaler (which has no Entra auth) both log in with the access key.
        accessKeysAuthentication: MANAGED_REDIS.accessKeysAuthentication,
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
        redisConfiguration: { maxmemoryPolicy: AZURE_CACHE_FOR_REDIS.maxmemoryPolicy },
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
