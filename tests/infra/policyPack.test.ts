/**
 * The policy pack as Pulumi runs it: `pulumi preview --policy-pack policy` starts
 * `node node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js <engine-address> <pack-dir>` from the
 * pack's folder, which compiles the pack with the folder's tsconfig.json (ts-node) and prints the port
 * of the policy server once loaded. Without policy/tsconfig.json the compile stopped at Object.hasOwn
 * (TS2550) and `pulumi preview --policy-pack policy` failed.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

test("the pack loads under Pulumi's own runner and prints its port", async () => {
  const child = spawn(process.execPath, [join(root, "node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js"), "127.0.0.1:1", "."], {
    cwd: join(root, "policy"), stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const line = /^(\d+)\s*$/m.exec(stdout);
        if (line) resolve(Number(line[1]));
      });
      child.on("exit", (code) => reject(new Error(`the policy runner exited (${code}) before printing its port:\n${stderr}${stdout}`)));
    });
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
    expect(stderr).not.toMatch(/error/i);
  } finally {
    child.kill("SIGTERM");
  }
}, 120_000);
