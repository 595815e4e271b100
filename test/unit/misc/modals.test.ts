import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { bindModal, type ModalBinding, type ModalCloseReason } from "../../../src/host/features/modals.js";
import {
  requireModalsCapability,
  type HostPolicy,
  type ModalPolicyRequest,
} from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { MODAL_API_VERSION, type ModalDefinition } from "../../../src/protocol/actions/modals.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../../../src/transport/memory.js";
import {
  onButtonClicked,
  onModalClose,
  onWidgetConfig,
  openModal,
  setModalButtonEnabled,
  closeModal,
  type ModalResult,
} from "../../../src/widget/features/modals.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { FakeDriver, faults } from "./fake-driver.js";
import { errorOf, eventually, exchange, openSession, settle } from "./harness.js";

const MODALS = "org.matrix.msc2790.modals";
const DEFINITION = {
  type: "m.custom",
  url: "https://example.org/modal.html?user=$matrix_user_id",
  name: "What is your name?",
  data: { "custom-key": "value" },
  waitForIframeLoad: true,
  buttons: [
    { id: "com.example.save", label: "Submit", kind: "m.primary", disabled: true },
    { id: "m.close", label: "Cancel", kind: "m.link" },
  ],
};

interface OpenedModal {
  pair: MemoryTransportPair;
  host: WidgetHost;
  binding: ModalBinding;
  closes: ModalCloseReason[];
  enabled: Array<[string, boolean]>;
  definition: ModalDefinition;
}

/** An opener whose driver renders each modal with a WidgetHost bound to it. */
async function openerSession(
  options: { destroyOnClose?: boolean; capabilities?: string[]; policy?: Partial<HostPolicy> } = {},
) {
  const driver = new FakeDriver();
  const modals: OpenedModal[] = [];
  driver.onOpenModal = async (request) => {
    const pair = createMemoryTransportPair();
    const host = new WidgetHost({
      widgetId: `modal-${modals.length + 1}`,
      transport: pair.host,
      driver,
      logger: silentLogger,
      policy: { approveCapabilities: ({ requested }) => requested },
    });
    const closes: ModalCloseReason[] = [];
    const enabled: Array<[string, boolean]> = [];
    const binding = bindModal({
      request,
      modal: host,
      onButtonEnabled: (id, value) => enabled.push([id, value]),
      onClose: (reason) => {
        closes.push(reason);
        if (options.destroyOnClose) host.destroy();
      },
    });
    modals.push({ pair, host, binding, closes, enabled, definition: request.definition });
  };
  const s = await openSession({
    capabilities: options.capabilities ?? [MODALS],
    driver,
    ...(options.policy ? { policy: options.policy } : {}),
  });
  return { s, driver, modals };
}

/** Connects the modal widget to its host, registering listeners right after connecting. */
async function connectModal(modal: OpenedModal, capabilities: string[] = []) {
  const clientPromise = WidgetClient.create({
    widgetId: modal.host.widget.widgetId,
    transport: modal.pair.widget,
    capabilities,
    logger: silentLogger,
  });
  modal.host.start();
  const client = await clientPromise;
  const configs: ModalDefinition[] = [];
  const clicks: string[] = [];
  onWidgetConfig(client, (config) => configs.push(config));
  onButtonClicked(client, (id) => clicks.push(id));
  return { client, configs, clicks };
}

describe("open_modal", () => {
  it("hands the driver the cleaned definition and the opener's host, and acks", async () => {
    const { s, driver, modals } = await openerSession();
    await openModal(s.client, {
      ...DEFINITION,
      buttons: [
        ...DEFINITION.buttons,
        { id: "com.example.save", label: "Duplicate", kind: "m.danger" },
        { id: 42, label: "bad id" } as never,
        { label: "no id", kind: "m.primary" } as never,
      ],
      creatorUserId: "@mallory:example.org",
      extraKey: "stripped",
    } as never);
    expect(driver.callsOf("openModal")).toHaveLength(1);
    expect(modals[0]?.definition).toEqual(DEFINITION);
    expect(driver.modalRequests[0]?.openerHost).toBe(s.host);
    expect(driver.modalRequests[0]?.opener).toBe(s.host.widget);
  });

  it("accepts the stable capability m.modals and advertises org.matrix.msc2790", async () => {
    const { s, driver } = await openerSession({ capabilities: ["m.modals"] });
    expect(s.host.supportedVersions).toContain(MODAL_API_VERSION);
    expect((await s.send("open_modal", DEFINITION)).response).toEqual({});
    expect(driver.callsOf("openModal")).toHaveLength(1);
  });

  it("opens a modal for a widget that never requested m.modals, as Element does", async () => {
    const { s, driver } = await openerSession({ capabilities: [] });
    expect(s.client.capabilities).toEqual([]);
    expect((await s.send("open_modal", DEFINITION)).response).toEqual({});
    expect(driver.callsOf("openModal")).toHaveLength(1);
  });

  it("with requireModalsCapability (MSC2790's rule), refuses a widget without m.modals before calling the driver", async () => {
    const { s, driver } = await openerSession({
      capabilities: [],
      policy: { allowModal: requireModalsCapability },
    });
    const error = errorOf(await s.send("open_modal", DEFINITION));
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(error?.message).toContain("org.matrix.msc2790.modals");
    expect(driver.callsOf("openModal")).toEqual([]);
  });

  it("with requireModalsCapability, opens a modal for a widget holding m.modals", async () => {
    const { s, driver } = await openerSession({ policy: { allowModal: requireModalsCapability } });
    expect((await s.send("open_modal", DEFINITION)).response).toEqual({});
    expect(driver.callsOf("openModal")).toHaveLength(1);
  });

  it("hands allowModal the widget, whether it holds m.modals, what the modal shows, and a live abort signal", async () => {
    const seen: ModalPolicyRequest[] = [];
    const { s } = await openerSession({
      capabilities: [],
      policy: { allowModal: (request) => (seen.push(request), true) },
    });
    await s.send("open_modal", DEFINITION);
    expect(seen).toEqual([
      {
        widget: s.host.widget,
        holdsModalsCapability: false,
        modal: { type: DEFINITION.type, url: DEFINITION.url, name: DEFINITION.name },
        signal: expect.any(AbortSignal),
      },
    ]);
    expect(seen[0]?.signal?.aborted).toBe(false);
  });

  it.each([
    ["false", () => false],
    ["undefined", () => undefined as never],
    ["a rejection", () => Promise.reject(new Error("policy bug"))],
    [
      "a thrown undefined",
      () => {
        throw undefined;
      },
    ],
    [
      "a thrown null-prototype object",
      () => {
        throw Object.create(null);
      },
    ],
  ])(
    "refuses a widget holding m.modals with one refused reply when allowModal answers %s",
    async (_label, hook) => {
      const { s, driver } = await openerSession({ policy: { allowModal: hook } });
      expect(errorOf(await s.send("open_modal", DEFINITION))?.code).toBe(ErrorCode.Refused);
      expect(driver.callsOf("openModal")).toEqual([]);
    },
  );

  it("logs a failing allowModal once, with what it threw and the refusal, and never a token", async () => {
    const { s } = await openerSession({
      policy: {
        allowModal: () => {
          throw new Error("prompt crashed at https://hs.example/_matrix?access_token=syt_c2VjcmV0_abc");
        },
      },
    });
    expect(errorOf(await s.send("open_modal", DEFINITION))?.code).toBe(ErrorCode.Refused);
    const lines = s.hostLogger.lines.filter((line) => line.includes("modal"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn: The modal policy failed; refusing the modal: .*prompt crashed/);
    expect(s.hostLogger.lines.join("\n")).not.toContain("syt_c2VjcmV0");
  });

  it("logs a modal hook cut off by the session's end once, though the hook then rejects on its aborted signal", async () => {
    let signal: AbortSignal | undefined;
    const { s } = await openerSession({
      policy: {
        allowModal: (request) =>
          new Promise<boolean>((_, reject) => {
            signal = request.signal;
            // What a prompt does when told to close: it rejects with the signal's reason.
            request.signal?.addEventListener("abort", () => reject(request.signal?.reason));
          }),
      },
    });
    void s.send("open_modal", DEFINITION).catch(() => {});
    await eventually(() => expect(signal).toBeDefined());
    s.pair.host.simulatePeerLoad();
    await eventually(() => expect(signal?.aborted).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const lines = s.hostLogger.lines.filter((line) => line.includes("modal policy"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn: The modal policy did not answer; refusing the modal: /);
  });

  it.each([
    ["a javascript: url", { ...DEFINITION, url: "javascript:alert(1)" }],
    ["a templated scheme", { ...DEFINITION, url: "$scheme://example.org" }],
    ["a missing type", { ...DEFINITION, type: undefined }],
    ["buttons that are not a list", { ...DEFINITION, buttons: "m.close" }],
    ["non-object data", { ...DEFINITION, data: "x" }],
  ])("refuses a definition with %s, before calling the driver", async (_label, data) => {
    const { s, driver } = await openerSession();
    expect(errorOf(await s.send("open_modal", data))?.code).toBe(ErrorCode.InvalidRequest);
    expect(driver.callsOf("openModal")).toEqual([]);
  });

  it("answers exactly one error when the app refuses to open the modal", async () => {
    const { s, driver } = await openerSession();
    driver.fail("openModal", faults.reject("not now"));
    expect(errorOf(await s.send("open_modal", DEFINITION))?.code).toBe(ErrorCode.Internal);
  });

  it("answers unsupported, and does not advertise org.matrix.msc2790, without an openModal hook", async () => {
    const s = await openSession({
      capabilities: [MODALS],
      driver: new FakeDriver({ without: ["openModal"] }),
    });
    expect(s.host.supportedVersions).not.toContain(MODAL_API_VERSION);
    expect(errorOf(await s.send("open_modal", DEFINITION))?.code).toBe(ErrorCode.Unsupported);
  });

  it("rate-limits modal prompts", async () => {
    const { s, driver } = await openerSession();
    for (let i = 0; i < 3; i++) expect((await s.send("open_modal", DEFINITION)).response).toEqual({});
    expect(errorOf(await s.send("open_modal", DEFINITION))?.code).toBe(ErrorCode.LimitExceeded);
    expect(driver.callsOf("openModal")).toHaveLength(3);
  });

  it("refuses a modal that tries to open another modal", async () => {
    const { s, driver, modals } = await openerSession();
    await openModal(s.client, DEFINITION);
    const modal = modals[0] as OpenedModal;
    await connectModal(modal, [MODALS]);
    const result = await exchange(modal.pair, "open_modal", DEFINITION, modal.host.widget.widgetId);
    expect(errorOf(result)?.code).toBe(ErrorCode.Refused);
    expect(driver.callsOf("openModal")).toHaveLength(1);
  });
});

describe("the modal widget", () => {
  it("gets its widget_config once its session is established, even when listening right after connecting", async () => {
    const { s, modals } = await openerSession();
    await openModal(s.client, DEFINITION);
    const modal = await connectModal(modals[0] as OpenedModal);
    await eventually(() => expect(modal.configs).toEqual([DEFINITION]));
  });

  it("is told about clicks on enabled buttons only", async () => {
    const { s, modals } = await openerSession();
    await openModal(s.client, DEFINITION);
    const opened = modals[0] as OpenedModal;
    const modal = await connectModal(opened);
    await opened.binding.clickButton("m.close");
    await expect(opened.binding.clickButton("com.example.save")).rejects.toMatchObject({
      code: ErrorCode.Refused,
    });
    await expect(opened.binding.clickButton("com.example.other")).rejects.toMatchObject({
      code: ErrorCode.InvalidRequest,
    });
    expect(modal.clicks).toEqual(["m.close"]);
  });

  it("enables a button with set_button_enabled, and tells the app", async () => {
    const { s, modals } = await openerSession();
    await openModal(s.client, DEFINITION);
    const opened = modals[0] as OpenedModal;
    const modal = await connectModal(opened);
    expect(opened.binding.isButtonEnabled("com.example.save")).toBe(false);
    await setModalButtonEnabled(modal.client, "com.example.save", true);
    expect(opened.binding.isButtonEnabled("com.example.save")).toBe(true);
    expect(opened.enabled).toEqual([["com.example.save", true]]);
    await opened.binding.clickButton("com.example.save");
    expect(modal.clicks).toEqual(["com.example.save"]);
  });

  it.each([
    ["m.close", ErrorCode.InvalidRequest],
    ["com.example.unknown", ErrorCode.InvalidRequest],
  ])("refuses set_button_enabled for %s", async (button, code) => {
    const { s, modals } = await openerSession();
    await openModal(s.client, DEFINITION);
    const opened = modals[0] as OpenedModal;
    await connectModal(opened);
    const result = await exchange(opened.pair, "set_button_enabled", { button, enabled: false }, "modal-1");
    expect(errorOf(result)?.code).toBe(code);
    expect(opened.enabled).toEqual([]);
  });

  it("refuses to disable m.close in the widget function, without sending", async () => {
    const { s, modals } = await openerSession();
    await openModal(s.client, DEFINITION);
    const opened = modals[0] as OpenedModal;
    const modal = await connectModal(opened);
    await expect(setModalButtonEnabled(modal.client, "m.close", false)).rejects.toMatchObject({
      code: ErrorCode.InvalidRequest,
    });
    expect(opened.pair.widget.sent.filter((m) => m.action === "set_button_enabled")).toEqual([]);
  });

  it("refuses set_button_enabled and close_modal from a widget that is not a modal", async () => {
    const { s } = await openerSession();
    expect(errorOf(await s.send("set_button_enabled", { button: "x", enabled: true }))?.code).toBe(
      ErrorCode.Refused,
    );
    expect(errorOf(await s.send("close_modal", { answer: 42 }))?.code).toBe(ErrorCode.Refused);
  });
});

describe("closing a modal", () => {
  it("acks close_modal once, relays its data to the opener, then tells the app", async () => {
    const { s, modals } = await openerSession({ destroyOnClose: true });
    const results: ModalResult[] = [];
    onModalClose(s.client, (result) => results.push(result));
    await openModal(s.client, DEFINITION);
    const opened = modals[0] as OpenedModal;
    await connectModal(opened);
    const result = await exchange(opened.pair, "close_modal", { answer: 42 }, "modal-1");
    expect(result.response).toEqual({});
    await eventually(() => expect(results).toEqual([{ exited: false, data: { answer: 42 } }]));
    await eventually(() => expect(opened.closes).toEqual(["closed"]));
    expect(opened.binding.closed).toBe(true);
    expect(opened.host.state).toBe("destroyed");
  });

  it("closes through the widget function", async () => {
    const { s, modals } = await openerSession({ destroyOnClose: true });
    const results: ModalResult[] = [];
    onModalClose(s.client, (result) => results.push(result));
    await openModal(s.client, DEFINITION);
    const modal = await connectModal(modals[0] as OpenedModal);
    await closeModal(modal.client, { name: "Alice" });
    await eventually(() => expect(results).toEqual([{ exited: false, data: { name: "Alice" } }]));
  });

  it("refuses a second close_modal", async () => {
    const { s, modals } = await openerSession();
    await openModal(s.client, DEFINITION);
    const opened = modals[0] as OpenedModal;
    await connectModal(opened);
    await exchange(opened.pair, "close_modal", {}, "modal-1");
    const second = await exchange(opened.pair, "close_modal", { again: true }, "modal-1");
    expect(errorOf(second)?.code).toBe(ErrorCode.Refused);
    await settle(5);
    expect(s.pushes("close_modal")).toHaveLength(1);
  });

  it('tells the opener {"m.exited": true} when the app dismisses the modal', async () => {
    const { s, modals } = await openerSession();
    const results: ModalResult[] = [];
    onModalClose(s.client, (result) => results.push(result));
    await openModal(s.client, DEFINITION);
    const opened = modals[0] as OpenedModal;
    await opened.binding.dismiss();
    await eventually(() => expect(results).toEqual([{ exited: true, data: { "m.exited": true } }]));
    expect(opened.closes).toEqual(["dismissed"]);
    await expect(opened.binding.clickButton("m.close")).rejects.toMatchObject({ code: ErrorCode.Refused });
  });

  it("closes the modal without telling anyone when the opener's session ends", async () => {
    const { s, modals } = await openerSession();
    await openModal(s.client, DEFINITION);
    const opened = modals[0] as OpenedModal;
    s.pair.reloadWidget();
    expect(opened.closes).toEqual(["opener-ended"]);
    expect(opened.binding.closed).toBe(true);
    await settle(5);
    expect(s.pushes("close_modal")).toEqual([]);
  });
});
