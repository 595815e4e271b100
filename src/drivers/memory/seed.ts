/**
 * Deterministic demo content for the playground: a few hundred users with names in many scripts,
 * rooms with history, and the signed-in user's account data, secrets included (the host must
 * keep those from widgets; seeding them lets the playground show that it does).
 */

import { parseUserId } from "../../matrix/identifiers.js";
import { BASE64, unpaddedBase64 } from "./base64.js";
import type { JsonContent } from "./json.js";
import {
  EMOTES,
  EMOTICONS,
  IMAGES,
  NAME_EMOJI,
  NAME_SETS,
  NOTICES,
  ROOM_TEXTS,
  type MessageText,
  type NameSet,
} from "./seed-data.js";
import { MatrixWorld, createSteppingClock, type WorldUser } from "./world.js";

/** The signed-in user of the world {@link seedDemoWorld} creates. */
export const DEMO_OWN_USER_ID = "@me:example.org";

/** How many users {@link seedDemoWorld} generates from the name lists (hand-written ones come on top). */
export const DEMO_GENERATED_USERS = 300;

/** When the demo world's clock starts: Monday 13 January 2025, 08:00 UTC. */
export const DEMO_START_TIME = Date.UTC(2025, 0, 13, 8, 0, 0);

const SEED = 0x5eed_2931;

/**
 * Fills `world` (by default a new one for {@link DEMO_OWN_USER_ID} on `example.org`, with a
 * stepping clock from {@link DEMO_START_TIME}) with the demo content and returns it:
 *
 * - the signed-in user, "Me (playground)", and a dozen hand-written users (`@alice`, `@bob`, …,
 *   two on other servers), plus {@link DEMO_GENERATED_USERS} users whose names are Latin (with and
 *   without diacritics), Cyrillic, Greek, Arabic, Hebrew, Devanagari, Chinese, Japanese and
 *   Korean, some ending with an emoji, some without a display name or avatar;
 * - rooms with history (text, notices, emotes, images, replies): `#lobby`, `#widgets` (joined,
 *   public), `#random`, `#announcements` (public, not joined), `#design` (private, joined), a
 *   direct-message room with Alice listed in `m.direct`, `#book-club` (invited) and `#staff`
 *   (private, no access); the lobby is the viewed room;
 * - global account data: image packs (`m.image_pack`, `m.image_pack.rooms`,
 *   `im.ponies.user_emotes`, `im.ponies.emote_rooms`), `m.direct`, `m.push_rules`,
 *   `m.ignored_user_list`, an ordinary `org.example.playground.settings`, and secret-storage data
 *   (`m.secret_storage.key.abc`, `m.secret_storage.default_key`, `m.cross_signing.*`,
 *   `m.megolm_backup.v1`) shaped like the real thing, with random-looking ciphertext.
 *
 * Everything comes from a fixed-seed generator, so two calls on fresh worlds with equal clocks give
 * deep-equal results. Local users and aliases use the world's server name, and the world's own
 * user plays "me". Pass an empty world: seeding one that already has these users or aliases fails.
 */
export function seedDemoWorld(world?: MatrixWorld): MatrixWorld {
  const target =
    world ??
    new MatrixWorld({ ownUserId: DEMO_OWN_USER_ID, now: createSteppingClock(DEMO_START_TIME, 97_000) });
  new DemoSeeder(target).run();
  return target;
}

/** Mulberry32: a small, fast, seedable generator; good enough for demo data. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class DemoSeeder {
  private readonly random = createRandom(SEED);
  private readonly server: string;
  private readonly me: string;
  private readonly generated: string[] = [];
  private readonly localparts = new Set<string>();

  constructor(private readonly world: MatrixWorld) {
    this.server = world.serverName;
    this.me = world.ownUserId;
  }

  run(): void {
    this.addUsers();
    const rooms = this.addRooms();
    this.addAccountData(rooms);
    this.world.viewedRoomId = rooms.lobby;
  }

  // ---------------------------------------------------------------------------------------------
  // Users

  private id(localpart: string, server = this.server): string {
    return `@${localpart}:${server}`;
  }

  private addUsers(): void {
    const { world } = this;
    world.setProfile(this.me, { displayName: "Me (playground)", avatarUrl: this.mxc("avatar_me") });
    const ownLocalpart = parseUserId(this.me)?.localpart;
    if (ownLocalpart !== undefined) this.localparts.add(ownLocalpart);
    const fixed: [string, string | undefined, boolean, string?][] = [
      ["alice", "Alice Smith", true],
      ["alicia.rodriguez", "Alicia Rodríguez", true],
      ["ali.hassan", "علي حسن", false],
      ["bob", "Bob", false],
      ["carol", "Carol Nguyễn", true],
      ["dave", undefined, false],
      ["zoe", "Zoë Fischer 🌈", true],
      ["priya", "Priya Raman 👩🏽‍💻", true],
      ["bot", "Playground Bot 🤖", true],
      ["spammer", "Totally Legit Prizes 💸", false],
      ["erin", "Erin (matrix.org)", true, "matrix.org"],
      ["frank", "Frank", false, "chat.example.net"],
    ];
    for (const [localpart, displayName, avatar, server] of fixed) {
      if (server === undefined) this.localparts.add(localpart);
      const user: WorldUser = { userId: this.id(localpart, server) };
      if (displayName !== undefined) user.displayName = displayName;
      if (avatar) user.avatarUrl = this.mxc(`avatar_${localpart.replace(/\W/g, "_")}`, server);
      world.addUser(user);
    }
    const totalWeight = NAME_SETS.reduce((sum, set) => sum + set.weight, 0);
    for (let index = 0; index < DEMO_GENERATED_USERS; index++) {
      let roll = this.random() * totalWeight;
      const set = NAME_SETS.find((candidate) => (roll -= candidate.weight) < 0) ?? NAME_SETS[0];
      if (set !== undefined) this.generated.push(this.addGeneratedUser(set, index));
    }
  }

  private addGeneratedUser(set: NameSet, index: number): string {
    const given = this.pick(set.given);
    const family = this.pick(set.family);
    const familyName = given[2] === "f" && family[2] !== undefined ? family[2] : family[0];
    const parts = set.familyFirst ? [familyName, given[0]] : [given[0], familyName];
    let displayName: string | undefined = parts.join(set.separator);
    if (this.random() < 0.12) displayName = `${displayName} ${this.pick(NAME_EMOJI)}`;
    if (this.random() < 0.05) displayName = undefined;
    const base = `${given[1] ?? asciiFold(given[0])}.${family[1] ?? asciiFold(family[0])}`;
    let localpart = base;
    for (let n = 2; this.localparts.has(localpart); n++) localpart = `${base}${n}`;
    this.localparts.add(localpart);
    const user: WorldUser = { userId: this.id(localpart) };
    if (displayName !== undefined) user.displayName = displayName;
    if (this.random() < 0.45) user.avatarUrl = this.mxc(`avatar_${String(index).padStart(3, "0")}`);
    this.world.addUser(user);
    return user.userId;
  }

  // ---------------------------------------------------------------------------------------------
  // Rooms

  private addRooms() {
    const { world, me } = this;
    const alice = this.id("alice");
    const bob = this.id("bob");
    const carol = this.id("carol");
    const zoe = this.id("zoe");
    const priya = this.id("priya");
    const bot = this.id("bot");
    const spammer = this.id("spammer");
    const remote = [this.id("erin", "matrix.org"), this.id("frank", "chat.example.net")];
    const named = [this.id("alicia.rodriguez"), this.id("ali.hassan"), this.id("dave")];

    const lobby = world.createRoom({
      creator: alice,
      alias: "lobby",
      name: "Lobby",
      topic: "Say hello! The playground's main room: everyone is welcome.",
      isPublic: true,
      // The signed-in user moderates the room the playground opens on, so adding a widget to its
      // state (which needs the state level, 50) works there as in a room of one's own.
      userPowerLevels: { [me]: 50 },
    });
    this.joinAll(lobby, [
      me,
      bob,
      carol,
      zoe,
      priya,
      bot,
      ...remote,
      ...named,
      ...this.generated.slice(0, 120),
    ]);
    world.sendEvent(lobby, alice, {
      type: "m.image_pack",
      state_key: "",
      content: this.imagePack("Lobby emotes"),
    });
    world.sendEvent(lobby, alice, {
      type: "im.ponies.room_emotes",
      state_key: "",
      content: this.imagePack("Lobby emotes"),
    });
    this.chat(lobby, "lobby", 40, bot);

    const widgets = world.createRoom({
      creator: me,
      alias: "widgets",
      name: "Widget Lab",
      topic: `Building and testing Matrix widgets. A link to try: https://matrix.to/#/#lobby:${this.server}`,
      isPublic: true,
    });
    this.joinAll(widgets, [alice, bob, priya, bot, ...this.sample(this.generated, 25)]);
    world.sendEvent(widgets, me, {
      type: "m.image_pack",
      state_key: "stickers",
      content: this.imagePack("Stickers"),
    });
    this.chat(widgets, "widgets", 32, bot);

    const random = world.createRoom({
      creator: bob,
      alias: "random",
      name: "Random",
      topic: "Off-topic chatter, pictures of cats.",
      isPublic: true,
    });
    this.joinAll(random, [alice, spammer, ...this.sample(this.generated, 45)]);
    this.chat(random, "random", 28);

    const announcements = world.createRoom({
      creator: bot,
      alias: "announcements",
      name: "Announcements",
      topic: "News about this homeserver. Readable without joining.",
      isPublic: true,
      worldReadable: true,
    });
    this.joinAll(announcements, [alice, bob, ...this.sample(this.generated, 10)]);
    this.chat(announcements, "announcements", 14, bot, bot);

    const designMembers = [me, alice, priya, zoe, ...this.sample(this.generated, 4)];
    const design = world.createRoom({
      creator: carol,
      alias: "design",
      name: "Design Review",
      topic: "Private: mockups and UX decisions.",
      invite: designMembers,
    });
    this.joinAll(design, designMembers);
    this.chat(design, "design", 30);

    const dm = world.createRoom({
      creator: me,
      isDirect: true,
      preset: "trusted_private_chat",
      invite: [alice],
    });
    world.join(dm, alice);
    this.chat(dm, "dm", 24);

    const bookMembers = [alice, bob, ...this.sample(this.generated, 3)];
    const books = world.createRoom({
      creator: zoe,
      alias: "book-club",
      name: "Book Club 📚",
      topic: "One book a month.",
      invite: bookMembers,
    });
    this.joinAll(books, bookMembers);
    this.chat(books, "books", 10);
    world.invite(books, zoe, me);

    const staff = world.createRoom({
      creator: alice,
      alias: "staff",
      name: "Staff Only",
      topic: "Private room the playground user is not in.",
      invite: [bob, carol],
    });
    this.joinAll(staff, [bob, carol]);
    this.chat(staff, "staff", 8);

    return { lobby, widgets, random, announcements, design, dm, books, staff, alice, spammer };
  }

  private joinAll(roomId: string, userIds: readonly string[]): void {
    for (const userId of userIds) this.world.join(roomId, userId);
  }

  /**
   * Sends `count` messages from the room's joined members: mostly text (some formatted, some
   * replies), plus emotes, images and, when a notice sender is given, bot notices.
   */
  private chat(
    roomId: string,
    textsKey: string,
    count: number,
    noticeSender?: string,
    onlySender?: string,
  ): void {
    const texts = ROOM_TEXTS.get(textsKey) ?? [];
    const members = this.world.members(roomId).filter((userId) => userId !== noticeSender);
    const sent: string[] = [];
    let lastText: unknown;
    for (let index = 0; index < count; index++) {
      const roll = this.random();
      let sender = onlySender ?? this.pick(members);
      let content: JsonContent;
      if (noticeSender !== undefined && (roll < 0.1 || onlySender !== undefined)) {
        sender = noticeSender;
        const text = onlySender !== undefined && index % 3 === 0 ? this.pick(NOTICES) : this.pickText(texts);
        content = { msgtype: "m.notice", body: text };
      } else if (roll < 0.2) {
        content = { msgtype: "m.emote", body: this.pick(EMOTES) };
      } else if (roll < 0.32) {
        const image = this.pick(IMAGES);
        content = {
          msgtype: "m.image",
          body: image.body,
          url: this.mxc(image.mediaId),
          info: { mimetype: image.mimetype, w: image.w, h: image.h, size: image.size },
        };
      } else {
        content = this.textContent(this.pickFresh(texts, lastText));
        lastText = content["body"];
        const replyTo = sent[sent.length - 1 - Math.floor(this.random() * 3)];
        if (replyTo !== undefined && this.random() < 0.15) {
          content["m.relates_to"] = { "m.in_reply_to": { event_id: replyTo } };
        }
      }
      sent.push(this.world.sendEvent(roomId, sender, { type: "m.room.message", content }).event_id);
    }
  }

  /** A text other than `last` (when the list has another one). */
  private pickFresh(texts: readonly MessageText[], last: unknown): MessageText {
    const text = this.pick(texts);
    const body = typeof text === "string" ? text : text.body;
    return body === last && texts.length > 1 ? this.pickFresh(texts, last) : text;
  }

  private pickText(texts: readonly MessageText[]): string {
    const text = this.pick(texts);
    return typeof text === "string" ? text : text.body;
  }

  private textContent(text: MessageText): JsonContent {
    if (typeof text === "string") return { msgtype: "m.text", body: text };
    return {
      msgtype: "m.text",
      body: text.body,
      format: "org.matrix.custom.html",
      formatted_body: text.html,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Account data

  private addAccountData(rooms: ReturnType<DemoSeeder["addRooms"]>): void {
    const { world, me } = this;
    const set = (type: string, content: JsonContent) => world.setAccountData(me, type, content);
    set("m.image_pack", this.imagePack("My emotes"));
    set("m.image_pack.rooms", { rooms: { [rooms.lobby]: { "": {} }, [rooms.widgets]: { stickers: {} } } });
    set("im.ponies.user_emotes", {
      pack: { display_name: "My emotes (legacy)" },
      images: Object.fromEntries(
        EMOTICONS.slice(0, 3).map((e) => [e.shortcode, { url: this.mxc(e.mediaId) }]),
      ),
    });
    set("im.ponies.emote_rooms", { rooms: { [rooms.lobby]: { "": {} } } });
    set("m.direct", { [rooms.alice]: [rooms.dm] });
    set("m.push_rules", {
      global: {
        override: [{ rule_id: ".m.rule.master", default: true, enabled: false, conditions: [], actions: [] }],
        content: [
          {
            rule_id: "playground",
            default: false,
            enabled: true,
            pattern: "playground",
            actions: ["notify", { set_tweak: "highlight" }, { set_tweak: "sound", value: "default" }],
          },
        ],
        room: [{ rule_id: rooms.random, default: false, enabled: true, actions: [] }],
        sender: [],
        underride: [
          {
            rule_id: ".m.rule.message",
            default: true,
            enabled: true,
            conditions: [{ kind: "event_match", key: "type", pattern: "m.room.message" }],
            actions: ["notify"],
          },
        ],
      },
    });
    set("m.ignored_user_list", { ignored_users: { [rooms.spammer]: {} } });
    set("org.example.playground.settings", { theme: "dark", compactLayout: false, favouriteEmoji: "🦊" });
    set("m.secret_storage.key.abc", {
      algorithm: "m.secret_storage.v1.aes-hmac-sha2",
      name: "Recovery key",
      passphrase: { algorithm: "m.pbkdf2", iterations: 500_000, salt: this.base64(24) },
      iv: this.base64(16),
      mac: this.base64(32),
    });
    set("m.secret_storage.default_key", { key: "abc" });
    for (const type of [
      "m.cross_signing.master",
      "m.cross_signing.self_signing",
      "m.cross_signing.user_signing",
    ]) {
      set(type, {
        encrypted: { abc: { iv: this.base64(16), ciphertext: this.base64(48), mac: this.base64(32) } },
      });
    }
    set("m.megolm_backup.v1", {
      encrypted: { abc: { iv: this.base64(16), ciphertext: this.base64(48), mac: this.base64(32) } },
    });
    world.setRoomAccountData(me, rooms.lobby, "m.tag", { tags: { "m.favourite": { order: 0.25 } } });
    const lastLobbyEvent = world.timeline(rooms.lobby).at(-1)?.event_id;
    if (lastLobbyEvent !== undefined) {
      world.setRoomAccountData(me, rooms.lobby, "m.fully_read", { event_id: lastLobbyEvent });
    }
  }

  private imagePack(displayName: string): JsonContent {
    const images: JsonContent = {};
    for (const emoticon of EMOTICONS) {
      const image: JsonContent = {
        url: this.mxc(emoticon.mediaId),
        body: emoticon.body,
        info: { mimetype: "image/png", w: 128, h: 128, size: 4096 + emoticon.shortcode.length * 97 },
      };
      if (emoticon.usage !== undefined) image["usage"] = [...emoticon.usage];
      images[emoticon.shortcode] = image;
    }
    return { pack: { display_name: displayName, usage: ["emoticon", "sticker"] }, images };
  }

  // ---------------------------------------------------------------------------------------------
  // Randomness helpers

  private mxc(mediaId: string, server = this.server): string {
    return `mxc://${server}/${mediaId}`;
  }

  private pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.random() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** `count` distinct items, in random order. */
  private sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
    }
    return pool.slice(0, count);
  }

  /** Unpadded base64 of `bytes` random bytes, as secret-storage fields are encoded. */
  private base64(bytes: number): string {
    return unpaddedBase64(
      Array.from({ length: bytes }, () => Math.floor(this.random() * 256)),
      BASE64,
    );
  }
}

/** An ASCII localpart form of a Latin name: accents stripped, special letters spelled out. */
function asciiFold(name: string): string {
  const special = new Map([
    ["ł", "l"],
    ["ø", "o"],
    ["ß", "ss"],
    ["æ", "ae"],
    ["þ", "th"],
    ["ð", "d"],
    ["đ", "d"],
    ["ı", "i"],
  ]);
  return [...name.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "")]
    .map((char) => special.get(char) ?? char)
    .join("")
    .replace(/[^a-z0-9]/g, "");
}
