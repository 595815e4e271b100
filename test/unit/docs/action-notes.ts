/**
 * Hand-written notes for docs/actions.md: how each action differs from matrix-widget-api 1.19.
 * Every action of the table needs an entry (a test checks it).
 */
export const ACTION_NOTES: Record<string, string> = {
  "supported_api_versions (fromWidget)": "same",
  "supported_api_versions (toWidget)": "same",
  content_loaded:
    "acked and ignored when the host waits for the load event (matrix-widget-api errors); paired with load events so a reload is detected either way",
  capabilities: "same",
  notify_capabilities:
    "`requested` carries the session totals, as MSC2871/MSC2974 say (matrix-widget-api sends the delta)",
  request_capabilities:
    "acked at once; only new grantable capabilities reach the policy and are remembered (at most 512 per session); asking for nothing new is free, anything else rate-limited; stable name accepted",
  navigate:
    "accepts `matrix:` URIs too; the link is parsed into a typed target before the driver; exactly one reply on failure (matrix-widget-api sends an error and then an ack); rate-limited",
  user_directory_search:
    '`limit`: a number ≥ 0 (fraction dropped) or a digit string such as `"1000"`, as matrix-widget-api, Element and Synapse take it; clamped to 50; rate-limited',
  mxid_share:
    "new (MSC3662): validated whole, acked at once, real profiles looked up, the user always decides; only an exact `invite` or `create_dm` decision acts",
  read_account_data:
    "new (MSC3751): exact-type capability, secrets never exposed, sensitive types need the policy",
  watch_account_data: "our extension: subscribe to changes of approved account-data types",
  account_data_changed: "our extension: the pushed change",
  "send_event (fromWidget)":
    'room IDs validated (matrix-widget-api lets `""` through); `null` delay means no delay; sticky state events refused',
  update_delayed_event: "stable name accepted; `refresh` accepted as `restart`",
  read_events:
    "every result re-checked against the capabilities; `limit: 0` returns nothing (matrix-widget-api treats it as unlimited); exactly one reply when the driver fails",
  read_relations:
    "needs some receive capability, for `event_type` when given (matrix-widget-api asks for none, but its chunk would be empty anyway); results filtered by room, type and receive capabilities; no crash on events without content",
  "send_event (toWidget)": "pushed only when the precompiled capability set and the room rules allow it",
  update_state: "never carries another room's stale state; pushed after every grant that covers state",
  get_media_config: "same",
  upload_file: "same",
  download_file: "same",
  open_modal: "same",
  widget_config: "same",
  button_clicked: "same",
  set_button_enabled: "same",
  "close_modal (fromWidget)": "same",
  "close_modal (toWidget)": "same",
  get_openid: "tokens never reach a log",
  openid_credentials: "tokens never reach a log",
  "send_to_device (fromWidget)": "same",
  "send_to_device (toWidget)": "gated on the receive capability through the same precompiled matcher",
  watch_turn_servers: "same",
  unwatch_turn_servers: "same",
  update_turn_servers: "same",
  "m.sticker": "same",
  set_always_on_screen: "same",
  theme_change: "same",
  language_change: "same",
  visibility: "same",
  screenshot: "same",
  "com.beeper.read_room_account_data":
    "capability checked before the driver (matrix-widget-api reads first); `room_ids` honoured; never-exposed and sensitive types refused",
  get_rtc_transports: "stable name accepted; the client's answer is checked before it reaches the widget",
  rtc_livekit_get_token:
    "request validated and bounded before the driver (matrix-widget-api passes it through unchecked); stable name accepted; the JWT never reaches a log",
  rtc_livekit_delegate_delayed_leave:
    "request validated and bounded before the driver (matrix-widget-api passes it through unchecked); stable name accepted",
};

/** matrix-widget-api 1.19 actions this toolkit does not implement, and why. */
export const MWA_ONLY_ACTIONS: Record<string, string> = {};
