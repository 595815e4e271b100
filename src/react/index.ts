/**
 * React bindings of the widget SDK: a provider that connects once (StrictMode and server
 * rendering safe) and hooks for capabilities, room events, state, account data, the user
 * directory, theme and language. React is an optional peer dependency: only this entry imports it.
 * @module matrix-widget-kit/react
 */
export {
  WidgetClientProvider,
  useWidgetClient,
  type WidgetClientProviderProps,
  type WidgetClientState,
} from "./provider.js";
export {
  useCapabilities,
  useRoomEvents,
  useStateEvents,
  useAccountData,
  useUserDirectorySearch,
  useTheme,
  useLanguage,
  type LoadStatus,
  type CapabilitiesState,
  type UseRoomEventsOptions,
  type RoomEventsState,
  type UseStateEventsOptions,
  type StateEventsState,
  type AccountDataState,
  type UseUserDirectorySearchOptions,
  type UserDirectorySearchState,
} from "./hooks.js";
