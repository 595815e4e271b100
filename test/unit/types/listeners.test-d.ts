// Issue 12 item 7: listener and callback types accept concise arrows that return a value (say
// `(event) => seen.push(event)`, which returns a number); their results are ignored (or awaited).
import { describe, expectTypeOf, it } from "vitest";
import { MatrixClientDriver } from "../../../src/drivers/matrix-js-sdk/driver.js";
import { elementCallSupport } from "../../../src/host/element-call.js";
import { onRoomEvent, onStateUpdate, type WireRoomEvent } from "../../../src/widget/features/events.js";
import { onLanguageChange, onThemeChange } from "../../../src/widget/features/ui.js";
import type { WidgetClient } from "../../../src/widget/widget-client.js";

declare const client: WidgetClient;
const seen: unknown[] = [];

describe("listener types", () => {
  it("widget push listeners take concise arrows returning a value, or a promise", () => {
    expectTypeOf(onRoomEvent(client, (event) => seen.push(event))).toEqualTypeOf<() => void>();
    expectTypeOf(onStateUpdate(client, (state) => seen.push(...state))).toEqualTypeOf<() => void>();
    expectTypeOf(onRoomEvent(client, async (event: WireRoomEvent) => seen.push(event))).toEqualTypeOf<
      () => void
    >();
    expectTypeOf(onThemeChange(client, (theme) => seen.push(theme))).toEqualTypeOf<() => void>();
    expectTypeOf(onLanguageChange(client, (lang) => seen.push(lang))).toEqualTypeOf<() => void>();
  });

  it("host callbacks take concise arrows returning a value", () => {
    elementCallSupport({
      onJoined: (context) => seen.push(context),
      onHungUp: async (context) => seen.push(context),
      onClose: (context) => seen.push(context),
      onDeviceMute: (state) => seen.push(state),
    });
    type Options = ConstructorParameters<typeof MatrixClientDriver>[1];
    const options: Partial<NonNullable<Options>> = {
      onNavigate: (resolved) => seen.push(resolved),
      onOpenModal: (request) => seen.push(request),
    };
    void options;
  });
});
