// Local ports follow the Supabase CLI, so supabase-js code written for `supabase start`
// runs unchanged. Each can be moved with the environment variable named beside it.
import net from "node:net";
import { readSettings } from "../core/settings.ts";

/** Each port of the stack and the variable (src/core/settings.ts) that moves it. */
export const portSettings = {
  /** API gateway: /auth/v1, /functions/v1/NAME, /storage/v1 (as `supabase start`). */
  gateway: { variable: "LOCAL_API_PORT" },
  /** Embedded PostgreSQL (5432 is taken by the machine's own Postgres). */
  database: { variable: "LOCAL_DB_PORT" },
  /** The /api/v1 REST facade, where the seed's FastAPI service listened. */
  facade: { variable: "FACADE_PORT" },
} as const;

export type PortName = keyof typeof portSettings;

export function configuredPort(name: PortName, env: Record<string, string | undefined> = process.env): number {
  return readSettings("localStack", (variable) => env[variable])[portSettings[name].variable];
}

/** Fails with a message naming the variable to change when the port is taken. */
export async function assertPortFree(name: PortName, port: number): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(true)));
  });
  if (!free) {
    const { variable } = portSettings[name];
    throw new Error(`Port ${port} (${name}) is already in use. Stop what holds it, or set ${variable} to another port.`);
  }
}

/** A port the OS says is free right now (for tests, which run beside `npm start`). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen({ port: 0, host: "127.0.0.1" }, () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
