/** API versions of the Widget API. A peer only uses an action the other side advertises. */
export const ApiVersion = {
  Prerelease1: "0.0.1",
  Prerelease2: "0.0.2",
  /** Send and receive events (MSC2762). */
  MSC2762: "org.matrix.msc2762",
  /** State is pushed with `update_state` (MSC2762 update). */
  MSC2762UpdateState: "org.matrix.msc2762_update_state",
  /** `notify_capabilities` (MSC2871). */
  MSC2871: "org.matrix.msc2871",
  /** Client identification URL parameters (MSC2873). */
  MSC2873: "org.matrix.msc2873",
  /** Reading events (MSC2876). */
  MSC2876: "org.matrix.msc2876",
  /** Navigate (MSC2931). */
  MSC2931: "org.matrix.msc2931",
  /** Capability renegotiation (MSC2974). */
  MSC2974: "org.matrix.msc2974",
  /** mxid share (MSC3662). The proposal defines no version string; this is our choice. */
  MSC3662: "uk.half-shot.msc3662",
  /** Modal widgets (MSC2790). Not advertised by matrix-widget-api or Element. */
  MSC2790: "org.matrix.msc2790",
  /** Read global account data (MSC3751). */
  MSC3751: "org.matrix.msc3751",
  /** To-device messages (MSC3819). */
  MSC3819: "org.matrix.msc3819",
  /** TURN servers (MSC3846). */
  MSC3846: "town.robin.msc3846",
  /** Read event relations (MSC3869). */
  MSC3869: "org.matrix.msc3869",
  /** User directory search (MSC3973). */
  MSC3973: "org.matrix.msc3973",
  /** Media (MSC4039). */
  MSC4039: "org.matrix.msc4039",
  /** Delayed events (MSC4157). */
  MSC4157: "org.matrix.msc4157",
  /** Sticky events (MSC4407). */
  MSC4407: "org.matrix.msc4407",
  /** MatrixRTC transports (MSC4515). */
  MSC4515: "org.matrix.msc4515",
  /** LiveKit tokens and delegated delayed leave events for MatrixRTC (MSC4533). */
  MSC4533: "org.matrix.msc4533",
  /** Our own account-data subscription extension, see docs/decisions.md. */
  AccountDataWatch: "dev.matrix_widget_kit.account_data_watch",
} as const;

/**
 * One of the {@link ApiVersion} strings, and nothing else. The widget SDK writes the versions it
 * checks as string literals of this type rather than as `ApiVersion.X`: a reference to one member
 * keeps the whole object, with every version string, in a widget's bundle.
 */
export type KnownApiVersion = (typeof ApiVersion)[keyof typeof ApiVersion];

/** One of the known API versions, or any string a peer advertises. */
export type ApiVersionValue = KnownApiVersion | (string & {});

/** Each known version by itself, made at first use; see {@link internVersions}. */
let knownVersions: ReadonlyMap<string, string> | undefined;

/**
 * A peer's version list with each known version replaced by our own copy of the string. A session
 * keeps the peer's list for its whole life, and the strings parsed off the wire are copies of
 * their own: about 40 bytes each, 17 of them in our widget's list.
 */
export function internVersions(versions: readonly string[]): string[] {
  const known = (knownVersions ??= new Map(Object.values(ApiVersion).map((version) => [version, version])));
  return versions.map((version) => known.get(version) ?? version);
}

/**
 * Versions every peer supports; assumed when a peer cannot tell us its list. Written as literals
 * so that the widget SDK can use it without carrying {@link ApiVersion}.
 */
export const BASELINE_VERSIONS: readonly KnownApiVersion[] = ["0.0.1", "0.0.2"];
