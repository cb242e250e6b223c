/**
 * stacks/: the infrastructure. Not Pulumi stacks themselves (those are the Pulumi.<stack>.yaml files at
 * the root) but what every stack is built from:
 *   config.ts      the stack file's schema (zod), validated once with every problem listed
 *   sizing.ts      every derived number (capacity, limits, scale target, thresholds, budget), Pulumi-free
 *   program.ts     the program: config -> sizing -> components -> outputs
 *   regions.ts     several regions and a declared peak: names, address spaces, Front Door profiles,
 *                  replicas for a region loss, local-first upstreams (pure)
 *   one file per ComponentResource: observability, vault, serviceImage, redisStore, frontDoorProfile,
 *                  frontDoorRoute, voiceApp, alerts, budget, trafficManager, upstreamAccount
 *   alertQueries.ts, serviceEnv.ts, names.ts, roles.ts   pure helpers of the components
 *   azureLiterals.ts  every Azure-defined value the program sets, with its source and the date read
 *   preflight.ts   what plan checks before `pulumi up` (availability, placeholders, secrets, deployer roles)
 *   policies.ts    checks over what the program registers (the plan and the policy pack run them)
 */
export * from "./config";
export * from "./sizing";
export * from "./program";
export { Alerts } from "./alerts";
export { Budget } from "./budget";
export { FrontDoorProfile } from "./frontDoorProfile";
export { FrontDoorRoute } from "./frontDoorRoute";
export { Observability } from "./observability";
export { RedisStore } from "./redisStore";
export { ServiceImage } from "./serviceImage";
export { Vault } from "./vault";
export { VoiceApp } from "./voiceApp";
export { TrafficManager } from "./trafficManager";
export { UpstreamAccount } from "./upstreamAccount";
export * from "./regions";
