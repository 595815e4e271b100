/** A running playground. */
export interface RunningPlayground {
  port: number;
  hostOrigin: string;
  widgetOrigin: string;
  close(): Promise<void>;
}
/** Starts the playground's Vite server on 127.0.0.1. */
export declare function startPlayground(options?: {
  port?: number;
  customWidgetUrl?: string | null;
  homeserver?: object | null;
}): Promise<RunningPlayground>;
