// docs/drivers.md lists every WidgetDriver operation with what each built-in driver does and the
// tests that prove it. This keeps the table true: a row per operation, "yes"/"option"/"no" as the
// drivers really are, and only tests that exist.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { MatrixClient } from "matrix-js-sdk";
import { describe, expect, it } from "vitest";
import { MatrixClientDriver } from "../../../src/drivers/matrix-js-sdk/index.js";
import { MatrixWorld, MemoryDriver } from "../../../src/drivers/memory/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

/** The member names of the WidgetDriver interface, read from its source. */
function widgetDriverMembers(): string[] {
  const source = read("src/host/driver.ts");
  const start = source.indexOf("export interface WidgetDriver {");
  const end = source.indexOf("\n}", start);
  expect(start).toBeGreaterThan(-1);
  const body = source.slice(start, end);
  return [...body.matchAll(/^ {2}(?:readonly\s+)?([A-Za-z]\w*)\??[(:]/gm)].map((match) => match[1] ?? "");
}

interface Row {
  operation: string;
  memory: string;
  matrixClient: string;
  proofs: Array<{ file: string; name: string }>;
}

/** The rows of the table in docs/drivers.md. */
function tableRows(): Row[] {
  const rows: Row[] = [];
  for (const line of read("docs/drivers.md").split("\n")) {
    const match = /^\| `(\w+)` \| (.*?) \| (.*?) \| (.*) \|$/.exec(line);
    if (match === null) continue;
    const [, operation = "", memory = "", matrixClient = "", proved = ""] = match;
    const proofs = [...proved.matchAll(/`([^`]+)` › "([^"]+)"/g)].map(([, file = "", name = ""]) => ({
      file,
      name,
    }));
    rows.push({ operation, memory, matrixClient, proofs });
  }
  return rows;
}

/** Whether a driver has an operation: a method, or a value for the two identity properties. */
function has(driver: object, operation: string): boolean {
  const value: unknown = (driver as Record<string, unknown>)[operation];
  return operation === "userId" || operation === "deviceId"
    ? typeof value === "string"
    : typeof value === "function";
}

const stubClient = {
  getUserId: () => "@me:example.org",
  getDeviceId: () => "DEVICE",
} as unknown as MatrixClient;
const memory = new MemoryDriver(new MatrixWorld({ ownUserId: "@me:example.org" }));
const bareClientDriver = new MatrixClientDriver(stubClient);
const fullClientDriver = new MatrixClientDriver(stubClient, {
  onNavigate: () => {},
  onAlwaysOnScreen: () => true,
  onOpenModal: () => {},
});

describe("docs/drivers.md", () => {
  it("has exactly one row for every WidgetDriver operation", () => {
    const members = widgetDriverMembers();
    expect(members.length).toBeGreaterThan(20);
    const operations = tableRows().map((row) => row.operation);
    expect([...operations].sort()).toEqual([...members].sort());
  });

  it("says yes for MemoryDriver exactly where it has the operation", () => {
    for (const row of tableRows()) {
      expect(row.memory, row.operation).toMatch(/^(yes|no)\b/);
      expect(has(memory, row.operation), row.operation).toBe(row.memory.startsWith("yes"));
    }
  });

  it("says yes for MatrixClientDriver where it has the operation, and option where only an option adds it", () => {
    for (const row of tableRows()) {
      expect(row.matrixClient, row.operation).toMatch(/^(yes|no|option)\b/);
      expect(has(fullClientDriver, row.operation), row.operation).toBe(!row.matrixClient.startsWith("no"));
      expect(has(bareClientDriver, row.operation), row.operation).toBe(row.matrixClient.startsWith("yes"));
    }
  });

  it("cites, for every operation, tests that exist under the names given", () => {
    for (const row of tableRows()) {
      expect(row.proofs.length, row.operation).toBeGreaterThan(0);
      for (const { file, name } of row.proofs) {
        expect(existsSync(`${root}${file}`), `${row.operation}: ${file}`).toBe(true);
        expect(read(file), `${row.operation}: ${file} › ${name}`).toContain(`"${name}"`);
      }
    }
  });
});
