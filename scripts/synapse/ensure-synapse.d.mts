/** The pinned Synapse version the tests install. */
export declare const SYNAPSE_VERSION: string;
/** Installs Synapse into the project-local virtualenv when it is missing. */
export declare function ensureSynapse(): Promise<{ python: string; version: string; installSeconds: number }>;
