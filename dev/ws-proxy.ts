/**
 * WebSocket -> TCP proxy, the local stand-in for Neon's WebSocket endpoint.
 *
 * @neondatabase/serverless speaks the Postgres wire protocol over binary WebSocket frames. Inside
 * workerd there is no raw TCP for it, so locally the driver is pointed here
 * (`neonConfig.wsProxy = host => "127.0.0.1:PORT/v1?address=" + host`) and we forward bytes to the
 * real Postgres. Both sides are closed together, or the driver reports "Network connection lost".
 */
import http from "node:http";
import net from "node:net";
import { WebSocketServer, type RawData } from "ws";

export interface WsProxyStats {
  connections: number;
  open: number;
  /** WebSocket frames from the driver to Postgres: a proxy-side count of database round trips. */
  framesIn: number;
  bytesIn: number;
  bytesOut: number;
}

export interface RunningWsProxy {
  port: number;
  stats: WsProxyStats;
  /** While paused, new connections are refused and open ones dropped: "the database is down". */
  setPaused(paused: boolean): void;
  /** Closes every open connection (simulates the database going away) without stopping the proxy. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Targets the proxy will connect to: loopback only, so it can never be used to reach elsewhere. */
function allowedTarget(address: string): { host: string; port: number } | null {
  const match = /^(127\.0\.0\.1|localhost):(\d{1,5})$/.exec(address);
  if (!match?.[1] || !match[2]) return null;
  return { host: "127.0.0.1", port: Number(match[2]) };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Starts the proxy on 127.0.0.1:`port` (0 = any free port). Besides the WebSocket endpoint `/v1`
 * it answers `POST /_control/pause`, `/_control/resume` and `GET /_control/stats`, so tests in the
 * Workers runtime can take "the database" away and give it back over HTTP.
 */
export function startWsProxy(port: number): Promise<RunningWsProxy> {
  const stats: WsProxyStats = { connections: 0, open: 0, framesIn: 0, bytesIn: 0, bytesOut: 0 };
  const sockets = new Set<net.Socket>();
  let paused = false;
  const setPaused = (value: boolean) => {
    paused = value;
    if (value) for (const socket of sockets) socket.destroy();
  };
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "POST" && req.url === "/_control/pause") {
      setPaused(true);
      return reply(200, { paused });
    }
    if (req.method === "POST" && req.url === "/_control/resume") {
      setPaused(false);
      return reply(200, { paused });
    }
    if (req.method === "GET" && req.url === "/_control/stats") return reply(200, { paused, ...stats });
    reply(404, { error: "not_found" });
  });
  const wss = new WebSocketServer({ server, path: "/v1" });

  wss.on("connection", (ws, request) => {
    if (paused) {
      ws.close(1013, "database paused");
      return;
    }
    const address = new URL(request.url ?? "/", "http://proxy").searchParams.get("address") ?? "";
    const target = allowedTarget(address);
    if (!target) {
      ws.close(1008, "address must be a loopback host:port");
      return;
    }
    stats.connections++;
    stats.open++;
    const tcp = net.connect(target.port, target.host);
    sockets.add(tcp);
    const pending: Buffer[] = [];
    let connected = false;

    tcp.on("connect", () => {
      connected = true;
      for (const chunk of pending) tcp.write(chunk);
      pending.length = 0;
    });
    tcp.on("data", (chunk) => {
      stats.bytesOut += chunk.length;
      if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
    });
    const closeBoth = () => {
      if (sockets.delete(tcp)) stats.open--;
      tcp.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    };
    tcp.on("error", closeBoth);
    tcp.on("close", closeBoth);
    ws.on("message", (data) => {
      const chunk = toBuffer(data);
      stats.framesIn++;
      stats.bytesIn += chunk.length;
      if (connected) tcp.write(chunk);
      else pending.push(chunk);
    });
    ws.on("close", closeBoth);
    ws.on("error", closeBoth);
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address !== null ? address.port : port,
        stats,
        setPaused,
        dropConnections: () => {
          for (const socket of sockets) socket.destroy();
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            for (const client of wss.clients) client.terminate();
            wss.close(() => server.close(() => done()));
          }),
      });
    });
  });
}
