/**
 * Port helpers for the local stack: find a free loopback port, or check that a chosen one is free
 * and say clearly which variable to change when it is not.
 */
import net from "node:net";

/** Resolves to a free TCP port on 127.0.0.1 chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not find a free port"))));
    });
  });
}

/** Thrown when a configured port is already in use; the message names the variable to change. */
export class PortInUseError extends Error {
  readonly port: number;
  readonly variable: string;
  constructor(port: number, variable: string) {
    super(`Port ${port} is already in use. Stop whatever holds it, or set ${variable} to another port.`);
    this.name = "PortInUseError";
    this.port = port;
    this.variable = variable;
  }
}

/** Rejects with {@link PortInUseError} when `port` cannot be bound on 127.0.0.1. */
export function assertPortFree(port: number, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" ? new PortInUseError(port, variable) : err);
    });
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}
