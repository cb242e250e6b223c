// Builds the package into dist/: two ESM bundles of src/index.ts (the protocol names it shares with the
// proxy are bundled in) and the type declarations.
//   dist/index.mjs  browsers and bundlers (`default` condition): `ws` is never reached there
//   dist/node.mjs   Node (`node` condition): `ws` is loaded on demand through createRequire
//   dist/index.d.mts the types, re-exporting the declarations tsc writes under dist/types/
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const esbuild = require("esbuild");
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const common = { entryPoints: [join(here, "src", "index.ts")], bundle: true, format: "esm", external: ["ws"], target: "es2022", legalComments: "none", logLevel: "warning" };
await esbuild.build({ ...common, platform: "browser", outfile: join(dist, "index.mjs") });
await esbuild.build({
  ...common,
  platform: "node",
  outfile: join(dist, "node.mjs"),
  // The source loads `ws` with require() (only where there is no global WebSocket); an ES module has none.
  banner: { js: 'import { createRequire as __voiceCreateRequire } from "node:module"; const require = __voiceCreateRequire(import.meta.url);' },
});

execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(here, "tsconfig.build.json")], { stdio: "inherit" });
writeFileSync(join(dist, "index.d.mts"), 'export * from "./types/packages/client/src/index.js";\n');
console.log(`@voice/client built into ${dist}`);
