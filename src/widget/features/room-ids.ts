/**
 * The `room_ids` of a read request (MSC2876's `read_events`, room account data) from the `roomIds`
 * option: `"*"` for every room the widget may read, also when given as a list holding it, as
 * matrix-widget-api's widgets write it (`[Symbols.AnyRoom]`); otherwise a copy of the list. (A
 * string's `includes` matches `"*"` itself.)
 * @internal
 */
export function wireRoomIds(roomIds: readonly string[] | "*"): string[] | "*" {
  return roomIds.includes("*") ? "*" : [...roomIds];
}
