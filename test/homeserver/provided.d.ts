// Types shared by the homeserver test project: what global-setup.ts hands to
// tests through vitest's provide/inject, and the shapes of the plain-JS
// helper scripts in scripts/synapse/ (which ship no .d.ts of their own).

/** Connection details of the Synapse started by global-setup.ts (JSON-serialisable). */
export interface SynapseConnection {
  baseUrl: string;
  serverName: string;
  registrationSharedSecret: string;
}

export interface RegisteredUser {
  userId: string;
  accessToken: string;
  deviceId: string;
}

export interface CsApiResult {
  status: number;
  // Matrix responses are arbitrary JSON; tests narrow them with expect().
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  headers: Headers;
}

export interface RunningSynapse extends SynapseConnection {
  startSeconds: number;
  stop(): Promise<void>;
}

/** scripts/synapse/ensure-synapse.mjs */
export interface EnsureSynapseScript {
  SYNAPSE_VERSION: string;
  ensureSynapse(): Promise<{ python: string; version: string; installSeconds: number }>;
}

/** scripts/synapse/homeserver.mjs */
export interface HomeserverScript {
  startSynapse(opts?: {
    rateLimited?: boolean;
    rtcTransports?: Array<Record<string, unknown>>;
  }): Promise<RunningSynapse>;
  registerUser(
    hs: Pick<SynapseConnection, "baseUrl" | "registrationSharedSecret">,
    user: { username: string; password?: string; displayName?: string; admin?: boolean },
  ): Promise<RegisteredUser>;
  csApi(
    hs: Pick<SynapseConnection, "baseUrl">,
    accessToken: string | null | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<CsApiResult>;
}

declare module "vitest" {
  export interface ProvidedContext {
    synapse: SynapseConnection;
  }
}
