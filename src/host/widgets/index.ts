/**
 * Widgets from room state and account data, and the manager that runs a host per widget.
 * @module matrix-widget-kit/host (widgets)
 */
export {
  ACCOUNT_WIDGETS_TYPE,
  LEGACY_WIDGET_EVENT_TYPE,
  ROOM_WIDGET_EVENT_TYPES,
  WIDGET_EVENT_TYPE,
  WIDGET_LAYOUT_EVENT_TYPE,
  parseAccountWidgets,
  parseRoomWidgetEvent,
  parseWidgetLayout,
  widgetStateContent,
  type WidgetContainer,
  type WidgetDefinition,
  type WidgetLayout,
  type WidgetLayoutHint,
  type WidgetParseResult,
} from "./definition.js";
export {
  WidgetManager,
  type ManagedWidget,
  type WidgetManagerEvents,
  type WidgetManagerOptions,
  type WidgetMount,
  type WidgetMountRequest,
} from "./manager.js";
