/**
 * The contract between the infrastructure (stacks/, index.ts) and the service (service/): what crosses
 * the boundary is defined here once and imported by both sides. No dependencies but zod.
 */
export * from "./env";
export * from "./protocol";
export * from "./resumeState";
export * from "./session";
export * from "./telemetry";
export * from "./upstream";
