/**
 * Bundles the test page for browsers with esbuild: app.ts (the page, the client library, the contract's
 * protocol names) to app.js, micWorklet.ts to mic-worklet.js, and index.html as it is.
 *
 * `npm run build -w service` writes them beside the compiled page module (dist/service/src/page/), where
 * the proxy serves them from (server/page.ts); the image's build stage runs the same script. Running
 * from source (tests, tsx), the proxy bundles in memory through `bundlePage` instead.
 *
 *   node dist/service/src/page/build.js <source dir> <out dir>
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Served file name -> source file in the page folder. */
export const PAGE_SOURCES = { "app.js": "app.ts", "mic-worklet.js": "micWorklet.ts" } as const;
export const PAGE_FILES = ["index.html", ...Object.keys(PAGE_SOURCES)] as const;
export type PageFile = (typeof PAGE_FILES)[number];

export async function bundlePage(sourceDir: string): Promise<Map<PageFile, Buffer>> {
  // A development dependency: present wherever the page is built, absent from the runtime image.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  const files = new Map<PageFile, Buffer>();
  files.set("index.html", readFileSync(join(sourceDir, "index.html")));
  for (const [out, source] of Object.entries(PAGE_SOURCES) as Array<[keyof typeof PAGE_SOURCES, string]>) {
    const result = await esbuild.build({
      entryPoints: [join(sourceDir, source)],
      bundle: true,
      write: false,
      platform: "browser",
      format: "iife",
      // Browsers with AudioWorklet and the WebSocket/URL APIs the client uses (2021 on).
      target: ["chrome100", "firefox100", "safari15"],
      // The client loads `ws` only where there is no global WebSocket, which a browser always has.
      external: ["ws"],
      legalComments: "none",
      logLevel: "silent",
    });
    files.set(out, Buffer.from(result.outputFiles[0].contents));
  }
  return files;
}

export async function writePage(sourceDir: string, outDir: string): Promise<PageFile[]> {
  const files = await bundlePage(sourceDir);
  mkdirSync(outDir, { recursive: true });
  for (const [name, content] of files) writeFileSync(join(outDir, name), content);
  return [...files.keys()];
}

if (require.main === module) {
  const [sourceDir, outDir] = process.argv.slice(2);
  if (!sourceDir || !outDir) {
    console.error("usage: node build.js <source dir> <out dir>");
    process.exit(2);
  }
  writePage(sourceDir, outDir).then(
    (written) => console.log(`page: ${written.join(", ")} -> ${outDir}`),
    (error: Error) => {
      console.error(`page build failed: ${error.message}`);
      process.exit(1);
    },
  );
}
