/**
 * The Pulumi program's entry: `pulumi up -s <stack>` runs it against Azure. Everything happens in
 * `voicePlatform` (stacks/program.ts); `npm run plan` runs the same function under the mock engine.
 */
import * as path from "node:path";
import { voicePlatform } from "./stacks/program";
import { exchangeAcrToken } from "./stacks/serviceImage";

export = voicePlatform({ contextDir: path.resolve(__dirname), exchangeRegistryToken: exchangeAcrToken });
