// A policy's answer is filtered to what it was asked about; what it approved beyond that is never
// granted, and is logged so the app's author sees the mistake instead of a silently missing grant.
import { describe, expect, it } from "vitest";
import type { Logger } from "../../../src/core/logger.js";
import { connect } from "../../support/memory-session.js";

const NAV = "org.matrix.msc2931.navigate";
const SEARCH = "org.matrix.msc3973.user_directory_search";

function recordingLogger(): Logger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return { warnings, errors, debug: () => {}, warn: (m) => warnings.push(m), error: (m) => errors.push(m) };
}

describe("capability policy answers", () => {
  it("logs a warning naming approved capabilities that were not requested, and does not grant them", async () => {
    const logger = recordingLogger();
    const { host, client } = await connect({
      capabilities: [NAV],
      policy: { approveCapabilities: () => [NAV, SEARCH, "m.always_on_screen"] },
      host: { logger },
    });
    expect(host.grantedCapabilities).toEqual([NAV]);
    expect(client.capabilities).toEqual([NAV]);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/approved 2 capabilities it was not asked about/);
    expect(logger.warnings[0]).toContain(SEARCH);
    expect(logger.warnings[0]).toContain("m.always_on_screen");
  });

  it("logs an approval of a capability the host can never grant, even though the widget requested it", async () => {
    const logger = recordingLogger();
    const { host } = await connect({
      capabilities: [NAV, "com.example.unknown"],
      policy: { approveCapabilities: () => [NAV, "com.example.unknown"] },
      host: { logger },
    });
    expect(host.grantedCapabilities).toEqual([NAV]);
    expect(logger.warnings.join("\n")).toContain("com.example.unknown");
  });

  it("stays quiet when the policy approves a subset of what it was asked", async () => {
    const logger = recordingLogger();
    await connect({
      capabilities: [NAV, SEARCH],
      policy: { approveCapabilities: ({ requested }) => requested.slice(0, 1) },
      host: { logger },
    });
    expect(logger.warnings).toEqual([]);
  });

  it("grants nothing, and says so, when the policy's answer cannot be iterated", async () => {
    const logger = recordingLogger();
    const { host } = await connect({
      capabilities: [NAV],
      policy: { approveCapabilities: () => undefined as unknown as string[] },
      host: { logger },
    });
    expect(host.grantedCapabilities).toEqual([]);
    expect(logger.errors.join("\n")).toMatch(/granting nothing/);
  });
});
