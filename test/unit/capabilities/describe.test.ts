import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CAPABILITY_CATALOGUES,
  capabilityCatalogue,
  describeCapability,
  describeRisk,
} from "../../../src/capabilities/describe.js";
import { en } from "../../../src/capabilities/messages/en.js";
import { parseCapability } from "../../../src/capabilities/grammar.js";
import { FIXED_SPELLINGS, PARAMETERISED_FORMS, heads } from "../../../src/capabilities/spellings.js";
import { SENSITIVE_ACCOUNT_DATA, NEVER_EXPOSED_ACCOUNT_DATA } from "../../../src/matrix/account-data.js";
import { nonEmptyTricky } from "./arbitraries.js";

const LOCALES = Object.keys(CAPABILITY_CATALOGUES);

/** Parameters that reach every variant of every form: plain, with a state key, the empty key, a msgtype. */
const PARAMETERS = [
  "com.example.thing",
  "m.room.message",
  "m.room.message#m.text",
  "m.room.message#org.example.custom",
  "m.room.name#",
  "m.room.member#@alice:example.org",
  "m.room.power_levels",
  "m.room.redaction",
  "*",
  "!room:example.org",
  "m.direct",
  "m.secret_storage.default_key",
];

/** Every capability string the grammar recognises, built from its own tables (not a hand list). */
function everyRecognisedSpelling(): string[] {
  const out: string[] = [];
  for (const form of PARAMETERISED_FORMS) {
    const { stable, unstable } = heads(form);
    for (const head of new Set([stable, unstable])) for (const p of PARAMETERS) out.push(head + p);
  }
  for (const spelling of FIXED_SPELLINGS.values()) {
    out.push(spelling.stable, spelling.unstable, ...(spelling.alsoAccepted ?? []));
  }
  return out;
}

function expectWorded(raw: string, locale: string): void {
  const d = describeCapability(raw, { locale });
  expect(d.title.trim(), `${raw} (${locale}) title`).not.toBe("");
  expect(d.detail.trim(), `${raw} (${locale}) detail`).not.toBe("");
  expect(d.title, `${raw} (${locale}) left a placeholder`).not.toMatch(/\{[a-zA-Z]+\}/);
  expect(d.detail, `${raw} (${locale}) left a placeholder`).not.toMatch(/\{[a-zA-Z]+\}/);
  expect(d.kind).toBe(parseCapability(raw).kind);
}

describe("describeCapability covers the whole grammar", () => {
  it("words every parameterised form in both spellings and every fixed capability, in every locale", () => {
    const spellings = everyRecognisedSpelling();
    const kinds = new Set<string>();
    for (const raw of spellings) {
      const parsed = parseCapability(raw);
      // The list really is what the grammar recognises, so nothing falls through to `custom`.
      expect(parsed.kind, raw).not.toBe("custom");
      kinds.add(parsed.kind === "fixed" ? `fixed:${parsed.name}` : parsed.kind);
      for (const locale of LOCALES) expectWorded(raw, locale);
    }
    // Every fixed name and every parameterised kind was reached.
    for (const name of FIXED_SPELLINGS.keys()) expect(kinds).toContain(`fixed:${name}`);
    for (const form of PARAMETERISED_FORMS) expect(kinds).toContain(form.kind);
  });

  it("each fixed capability has its own title, not a shared fallback", () => {
    const titles = new Set([...FIXED_SPELLINGS.values()].map((s) => describeCapability(s.stable).title));
    expect(titles.size).toBe(FIXED_SPELLINGS.size);
  });

  it("both spellings of a capability get the same words", () => {
    for (const form of PARAMETERISED_FORMS) {
      const { stable, unstable } = heads(form);
      expect(describeCapability(unstable + "m.room.topic#")).toEqual(
        describeCapability(stable + "m.room.topic#"),
      );
    }
    for (const s of FIXED_SPELLINGS.values()) {
      expect(describeCapability(s.unstable)).toEqual(describeCapability(s.stable));
    }
  });

  it("any string built on a grammar head is worded without throwing or leaving placeholders", () => {
    const headList = PARAMETERISED_FORMS.flatMap((f) => [heads(f).stable, heads(f).unstable]);
    fc.assert(
      fc.property(
        fc.constantFrom(...headList),
        nonEmptyTricky,
        fc.constantFrom(...LOCALES),
        (head, p, locale) => {
          expectWorded(head + p, locale);
        },
      ),
    );
  });

  it("an unrecognised string is described as unrecognised and sensitive", () => {
    const d = describeCapability("com.example.whatever");
    expect(d).toMatchObject({ kind: "custom", risk: "sensitive", title: "Unrecognised permission" });
    expect(d.detail).toContain("com.example.whatever");
  });
});

describe("catalogues", () => {
  it("every locale has exactly the English keys, with the same placeholders", () => {
    const placeholders = (text: string) => [...text.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]).sort();
    for (const [locale, messages] of Object.entries(CAPABILITY_CATALOGUES)) {
      expect(Object.keys(messages).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [id, text] of Object.entries(en)) {
        expect(text.trim(), `${locale} ${id}`).not.toBe("");
        expect(placeholders((messages as Record<string, string>)[id] ?? ""), `${locale} ${id}`).toEqual(
          placeholders(text),
        );
      }
    }
  });

  it("picks a locale by exact tag, then by language, then English", () => {
    expect(capabilityCatalogue("de-AT")).toBe(CAPABILITY_CATALOGUES.de);
    expect(capabilityCatalogue("DE")).toBe(CAPABILITY_CATALOGUES.de);
    expect(capabilityCatalogue("fr")).toBe(en);
    expect(describeCapability("m.sticker", { locale: "de" }).title).toBe("Sticker senden");
    expect(describeRisk("dangerous", { locale: "de" })).toBe("Gefährlich");
  });

  it("an app's own catalogue wins over the built-in one", () => {
    const fr = { ...en, "fixed.sticker.title": "Envoyer des autocollants" };
    expect(describeCapability("m.sticker", { locale: "fr", catalogues: { fr } }).title).toBe(
      "Envoyer des autocollants",
    );
  });

  it("a German title that starts with a placeholder is capitalised", () => {
    expect(describeCapability("m.send.state_event:m.room.name#", { locale: "de" }).title).toBe(
      "Den Raumnamen in diesem Raum ändern",
    );
  });
});

describe("risk levels", () => {
  const risk = (raw: string) => describeCapability(raw).risk;

  it("governing state, redactions, to-device and every-room timeline are dangerous", () => {
    for (const type of ["m.room.power_levels", "m.room.member", "m.room.join_rules", "m.room.encryption"]) {
      expect(risk(`m.send.state_event:${type}`), type).toBe("dangerous");
      expect(risk(`org.matrix.msc2762.send.state_event:${type}#`), type).toBe("dangerous");
    }
    expect(risk("m.send.event:m.room.redaction")).toBe("dangerous");
    expect(risk("m.send.to_device:m.call.invite")).toBe("dangerous");
    expect(risk("org.matrix.msc3819.receive.to_device:m.room_key_request")).toBe("dangerous");
    expect(risk("m.timeline:*")).toBe("dangerous");
  });

  it("sending as the user, reading messages and one other room are sensitive", () => {
    expect(risk("m.send.event:m.room.message#m.text")).toBe("sensitive");
    expect(risk("m.send.state_event:com.example.game")).toBe("sensitive");
    expect(risk("m.receive.event:m.room.message")).toBe("sensitive");
    expect(risk("m.timeline:!other:example.org")).toBe("sensitive");
    expect(risk("org.matrix.msc3973.user_directory_search")).toBe("sensitive");
  });

  it("reading state and harmless display capabilities are low", () => {
    expect(risk("m.receive.state_event:m.room.name")).toBe("low");
    expect(risk("m.receive.event:m.reaction")).toBe("low");
    expect(risk("org.matrix.msc2931.navigate")).toBe("low");
    expect(risk("m.always_on_screen")).toBe("low");
    expect(risk("m.read.account_data:im.ponies.user_emotes")).toBe("low");
  });

  it("every sensitive account-data type is sensitive and every never-exposed one dangerous", () => {
    for (const rule of SENSITIVE_ACCOUNT_DATA) {
      const type = rule.match === "prefix" ? `${rule.type}x` : rule.type;
      const d = describeCapability(`org.matrix.msc3751.read.account_data:${type}`);
      expect(d.risk, type).toBe("sensitive");
      expect(d.detail).toContain(rule.reason);
    }
    for (const rule of NEVER_EXPOSED_ACCOUNT_DATA) {
      const type = rule.match === "prefix" ? `${rule.type}x` : rule.type;
      expect(risk(`m.read.account_data:${type}`), type).toBe("dangerous");
    }
  });
});

describe("widget-chosen text cannot spoof the wording", () => {
  it("bidi overrides and zero-width characters in a type are shown escaped", () => {
    const d = describeCapability("m.send.event:com.evil\u202Eegassem.moor.m\u200B");
    expect(d.title).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B-\u200F]/u);
    expect(d.title).toContain("\\u{202E}");
    expect(d.title).toContain("\\u{200B}");
  });

  it("a very long state key is cut with an ellipsis", () => {
    const d = describeCapability(`m.send.state_event:com.example#${"x".repeat(500)}`);
    expect(d.title.length).toBeLessThan(200);
    expect(d.title).toContain("…");
  });
});
