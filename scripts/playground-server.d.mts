/** A running playground. */
export interface RunningPlayground {
  port: number;
  hostOrigin: string;
  widgetOrigin: string;
  close(): Promise<void>;
}
/** A homeserver account for the playground to sign in with, instead of its in-memory world. */
export interface PlaygroundHomeserver {
  /** The Client-Server API base URL, e.g. `https://matrix.example.org`. */
  baseUrl: string;
  userId: string;
  /** Handed to the host page only, never compiled into served files. */
  accessToken: string;
  /** Looked up with `/account/whoami` by the page when absent. */
  deviceId?: string | null;
}
/** Starts the playground's Vite server on 127.0.0.1. */
export declare function startPlayground(options?: {
  port?: number;
  customWidgetUrl?: string | null;
  homeserver?: PlaygroundHomeserver | null;
}): Promise<RunningPlayground>;
