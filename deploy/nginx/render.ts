/**
 * Renders voice-proxy.conf.template for a set of proxy instances. Usable from the command line:
 *   npx tsx deploy/nginx/render.ts --listen 0.0.0.0:80 app-1:3000 app-2:3000 > /etc/nginx/conf.d/voice.conf
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface NginxSiteOptions {
  /** `host:port` or `port` nginx listens on. */
  listen: string;
  /** `host:port` of each voice proxy instance. */
  servers: string[];
}

const HOST_PORT = /^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$/;

export function renderNginxSite(options: NginxSiteOptions): string {
  if (options.servers.length === 0) throw new Error("nginx site: at least one proxy instance (host:port) is needed");
  for (const server of options.servers) {
    if (!HOST_PORT.test(server)) throw new Error(`nginx site: "${server}" is not host:port`);
  }
  if (!/^([A-Za-z0-9.\-\[\]:]+:)?\d{1,5}$/.test(options.listen)) {
    throw new Error(`nginx site: listen "${options.listen}" is not [host:]port`);
  }
  const template = readFileSync(join(__dirname, "voice-proxy.conf.template"), "utf8");
  // max_fails=0: nginx clears a failure mark only when a request to that instance ends, and a WebSocket
  // ends with its session; a restarted instance would stay refused (the template says more).
  const servers = options.servers.map((s) => `server ${s} max_fails=0;`).join("\n    ");
  return template
    .replaceAll("${LISTEN}", options.listen)
    .replaceAll("${UPSTREAM_SERVERS}", servers)
    .replaceAll("${NEXT_UPSTREAM_TRIES}", String(options.servers.length));
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--listen");
  const listen = at >= 0 ? args.splice(at, 2)[1] : "80";
  try {
    process.stdout.write(renderNginxSite({ listen, servers: args }));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
