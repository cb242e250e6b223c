/**
 * The floor for a WebSocket relay written with ws on Node: every message received on one leg is sent
 * on the other, verbatim, and nothing else happens (no auth, limits, metering, telemetry, flow control,
 * logging). The bench runs it as the hop "ws-floor" beside nginx and the proxy, so the proxy's cost
 * splits into what ws and Node need to unmask, re-mask and move a frame, and what the service adds.
 * Not a product: it exists to be measured.
 *
 * Environment: PORT, BARE_UPSTREAM (ws:// URL of the peer, path and query included), BARE_API_KEY.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer, type RawData } from "ws";

function main(): void {
  const port = Number(process.env.PORT);
  const upstreamUrl = process.env.BARE_UPSTREAM;
  const apiKey = process.env.BARE_API_KEY ?? "";
  if (!port || !upstreamUrl) throw new Error("PORT and BARE_UPSTREAM are required");
  const server = createServer((_req, res) => res.writeHead(200).end("ok"));
  // The same ws options as the proxy: no compression, the same payload limits.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    wss.handleUpgrade(req, socket, head, (client) => {
      const early: Array<[RawData, boolean]> = [];
      const upstream = new WebSocket(upstreamUrl, { headers: { "api-key": apiKey }, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
      client.on("message", (data, isBinary) => {
        if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
        else early.push([data, isBinary]);
      });
      upstream.on("open", () => {
        for (const [data, isBinary] of early) upstream.send(data, { binary: isBinary });
        early.length = 0;
      });
      upstream.on("message", (data, isBinary) => client.send(data, { binary: isBinary }));
      const close = () => {
        client.terminate();
        upstream.terminate();
      };
      client.on("close", close);
      upstream.on("close", close);
      client.on("error", close);
      upstream.on("error", close);
    });
  });
  server.listen(port, "127.0.0.1");
  process.on("SIGTERM", () => process.exit(0));
}

if (require.main === module) main();
