// What the ecosystem project's global-setup.ts hands to its tests besides `synapse`.

declare module "vitest" {
  export interface ProvidedContext {
    /** The loopback port Synapse's MatrixRTC transport names; the RTC stub listens there (support.ts). */
    rtcStub: { port: number; serviceUrl: string };
  }
}

export {};
