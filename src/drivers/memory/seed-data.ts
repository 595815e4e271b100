/**
 * Name lists and message texts for the demo world. Names are paired with the ASCII spelling used
 * for the user ID's localpart; Latin names without one are transliterated by stripping accents.
 */

/** A given or family name: `[as displayed, ASCII localpart form]`, plus a feminine form for families. */
export type NameEntry = readonly [display: string, ascii?: string, feminine?: string];

/** Names of one writing system and how they are assembled into a display name. */
export interface NameSet {
  /** Unicode script the display names are written in (used by tests and docs). */
  readonly script: string;
  /** Given names; a third element `"f"` marks feminine names, for languages with gendered surnames. */
  readonly given: readonly (readonly [display: string, ascii?: string, gender?: "f"])[];
  readonly family: readonly NameEntry[];
  /** Family name first (CJK, Korean). */
  readonly familyFirst: boolean;
  /** What goes between the two names. */
  readonly separator: string;
  /** Relative share of the generated users. */
  readonly weight: number;
}

export const NAME_SETS: readonly NameSet[] = [
  {
    script: "Latin",
    given: [
      ["Emma"],
      ["Liam"],
      ["Olivia"],
      ["Noah"],
      ["Ava"],
      ["Ethan"],
      ["Mia"],
      ["Lucas"],
      ["Grace"],
      ["Henry"],
    ],
    family: [
      ["Johnson"],
      ["Brown"],
      ["Taylor"],
      ["Wilson"],
      ["Martin"],
      ["Clarke"],
      ["Walker"],
      ["Hughes"],
      ["Reid"],
    ],
    familyFirst: false,
    separator: " ",
    weight: 2,
  },
  {
    script: "Latin",
    given: [
      ["José"],
      ["Zoë"],
      ["Åsa"],
      ["Łukasz"],
      ["Renée"],
      ["François"],
      ["Søren"],
      ["Jürgen"],
      ["Małgorzata"],
      ["Çağla"],
      ["Inês"],
      ["João"],
      ["Björn"],
      ["Ágnes"],
      ["Tomáš"],
      ["Jiří"],
      ["Siân"],
      ["Ørjan"],
    ],
    family: [
      ["Müller"],
      ["Dvořák"],
      ["Østergaard"],
      ["Núñez"],
      ["García"],
      ["Nowak"],
      ["Šimić"],
      ["Lefèvre"],
      ["Åkesson"],
      ["Özdemir"],
      ["Þórsson"],
      ["Schröder"],
      ["Nguyễn"],
      ["Trần"],
      ["Wójcik"],
    ],
    familyFirst: false,
    separator: " ",
    weight: 2,
  },
  {
    script: "Cyrillic",
    given: [
      ["Анна", "anna"],
      ["Дмитро", "dmytro"],
      ["Ольга", "olga"],
      ["Сергій", "serhii"],
      ["Наталія", "nataliia"],
      ["Іван", "ivan"],
      ["Катерина", "kateryna"],
      ["Олексій", "oleksii"],
      ["Марія", "mariia"],
      ["Юлія", "yuliia"],
      ["Богдан", "bohdan"],
      ["Оксана", "oksana"],
    ],
    family: [
      ["Шевченко", "shevchenko"],
      ["Петренко", "petrenko"],
      ["Коваленко", "kovalenko"],
      ["Бондаренко", "bondarenko"],
      ["Ткаченко", "tkachenko"],
      ["Мельник", "melnyk"],
      ["Бойко", "boiko"],
      ["Ковальчук", "kovalchuk"],
      ["Лисенко", "lysenko"],
    ],
    familyFirst: false,
    separator: " ",
    weight: 1,
  },
  {
    script: "Greek",
    given: [
      ["Γιώργος", "giorgos"],
      ["Μαρία", "maria", "f"],
      ["Νίκος", "nikos"],
      ["Ελένη", "eleni", "f"],
      ["Δημήτρης", "dimitris"],
      ["Κατερίνα", "katerina", "f"],
      ["Αλέξανδρος", "alexandros"],
      ["Σοφία", "sofia", "f"],
      ["Κώστας", "kostas"],
      ["Ιωάννα", "ioanna", "f"],
    ],
    family: [
      ["Παπαδόπουλος", "papadopoulos", "Παπαδοπούλου"],
      ["Γεωργίου", "georgiou"],
      ["Οικονόμου", "oikonomou"],
      ["Νικολάου", "nikolaou"],
      ["Καραγιάννης", "karagiannis", "Καραγιάννη"],
      ["Βλάχος", "vlachos", "Βλάχου"],
      ["Αντωνίου", "antoniou"],
    ],
    familyFirst: false,
    separator: " ",
    weight: 1,
  },
  {
    script: "Arabic",
    given: [
      ["محمد", "muhammad"],
      ["فاطمة", "fatima"],
      ["أحمد", "ahmad"],
      ["ليلى", "layla"],
      ["يوسف", "yusuf"],
      ["نور", "nour"],
      ["عمر", "omar"],
      ["سارة", "sara"],
      ["خالد", "khalid"],
      ["مريم", "maryam"],
    ],
    family: [
      ["الحسن", "alhasan"],
      ["منصور", "mansour"],
      ["حداد", "haddad"],
      ["الخطيب", "alkhatib"],
      ["ناصر", "nasser"],
      ["سليمان", "suleiman"],
      ["الشامي", "alshami"],
    ],
    familyFirst: false,
    separator: " ",
    weight: 1,
  },
  {
    script: "Hebrew",
    given: [
      ["נועה", "noa"],
      ["דוד", "david"],
      ["מיכל", "michal"],
      ["יונתן", "yonatan"],
      ["שירה", "shira"],
      ["אריאל", "ariel"],
      ["תמר", "tamar"],
      ["איתי", "itai"],
      ["יעל", "yael"],
    ],
    family: [
      ["כהן", "cohen"],
      ["לוי", "levi"],
      ["מזרחי", "mizrahi"],
      ["פרץ", "peretz"],
      ["ביטון", "biton"],
      ["פרידמן", "friedman"],
      ["שפירא", "shapira"],
    ],
    familyFirst: false,
    separator: " ",
    weight: 1,
  },
  {
    script: "Devanagari",
    given: [
      ["अनन्या", "ananya"],
      ["राहुल", "rahul"],
      ["प्रिया", "priya"],
      ["अर्जुन", "arjun"],
      ["दीपिका", "deepika"],
      ["विक्रम", "vikram"],
      ["कविता", "kavita"],
      ["आदित्य", "aditya"],
      ["मीरा", "meera"],
      ["संजय", "sanjay"],
    ],
    family: [
      ["शर्मा", "sharma"],
      ["वर्मा", "verma"],
      ["पटेल", "patel"],
      ["गुप्ता", "gupta"],
      ["जोशी", "joshi"],
      ["देशपांडे", "deshpande"],
      ["कुलकर्णी", "kulkarni"],
    ],
    familyFirst: false,
    separator: " ",
    weight: 1,
  },
  {
    script: "Han",
    given: [
      ["伟", "wei"],
      ["芳", "fang"],
      ["秀英", "xiuying"],
      ["明", "ming"],
      ["静", "jing"],
      ["磊", "lei"],
      ["丽华", "lihua"],
      ["子涵", "zihan"],
      ["浩然", "haoran"],
      ["欣怡", "xinyi"],
    ],
    family: [
      ["王", "wang"],
      ["李", "li"],
      ["张", "zhang"],
      ["刘", "liu"],
      ["陈", "chen"],
      ["杨", "yang"],
      ["黄", "huang"],
      ["赵", "zhao"],
      ["周", "zhou"],
    ],
    familyFirst: true,
    separator: "",
    weight: 1,
  },
  {
    script: "Japanese",
    given: [
      ["さくら", "sakura"],
      ["ひなた", "hinata"],
      ["ゆい", "yui"],
      ["はると", "haruto"],
      ["あおい", "aoi"],
      ["そうた", "sota"],
      ["めぐみ", "megumi"],
      ["ユウキ", "yuki"],
      ["ハルカ", "haruka"],
      ["リョウ", "ryo"],
    ],
    family: [
      ["佐藤", "sato"],
      ["鈴木", "suzuki"],
      ["高橋", "takahashi"],
      ["田中", "tanaka"],
      ["渡辺", "watanabe"],
      ["伊藤", "ito"],
      ["山本", "yamamoto"],
      ["中村", "nakamura"],
    ],
    familyFirst: true,
    separator: " ",
    weight: 1,
  },
  {
    script: "Hangul",
    given: [
      ["민준", "minjun"],
      ["서연", "seoyeon"],
      ["지훈", "jihoon"],
      ["하은", "haeun"],
      ["도윤", "doyun"],
      ["수아", "sua"],
      ["예준", "yejun"],
      ["지우", "jiwoo"],
    ],
    family: [
      ["김", "kim"],
      ["이", "lee"],
      ["박", "park"],
      ["최", "choi"],
      ["정", "jung"],
      ["강", "kang"],
      ["윤", "yoon"],
    ],
    familyFirst: true,
    separator: "",
    weight: 1,
  },
];

/** Emoji some display names end with, including skin-tone and ZWJ sequences. */
export const NAME_EMOJI: readonly string[] = [
  "🌻",
  "🚀",
  "🎧",
  "🐙",
  "☕",
  "🌈",
  "🦊",
  "🎨",
  "⚡",
  "🌊",
  "🧑‍💻",
  "👩🏽‍🔬",
];

/** A message text, optionally with an HTML version. */
export type MessageText = string | { body: string; html: string };

/** Texts for each demo room (by alias localpart or key) and for every room. */
export const ROOM_TEXTS: ReadonlyMap<string, readonly MessageText[]> = new Map<
  string,
  readonly MessageText[]
>([
  [
    "lobby",
    [
      "Good morning, everyone!",
      "Has anyone tried the new playground build yet?",
      "Welcome to all the new folks 👋",
      {
        body: "Tip: type **/help** to see what the bot can do",
        html: "Tip: type <b>/help</b> to see what the bot can do",
      },
      "Is the weekly call still on for Thursday?",
      "I'll be a few minutes late, start without me.",
      "Привет всем! Рада быть здесь.",
      "Καλημέρα από την Αθήνα ☀️",
      "مرحبا بالجميع!",
      "שלום לכולם, מה נשמע?",
      "नमस्ते! यहाँ सब कैसे हैं?",
      "大家好，很高兴认识你们。",
      "こんにちは！よろしくお願いします。",
      "안녕하세요, 반갑습니다!",
      "Does anyone know where the meeting notes live?",
      "Thanks, that fixed it 🙏",
      "Coffee break ☕ back in ten.",
    ],
  ],
  [
    "widgets",
    [
      "The sticker picker widget now loads in under a second.",
      {
        body: "Try `navigate` with a matrix.to link to this room",
        html: "Try <code>navigate</code> with a matrix.to link to this room",
      },
      "Directory search returns display names in every script — nice.",
      "Which capabilities does the poll widget request?",
      "I granted read access to m.image_pack only.",
      "The host asked me before sharing my user ID, as it should.",
      "Found a bug: the widget kept polling after the session ended.",
      "Fixed in the latest commit, please re-test.",
      "Can we get a widget that shows the room's emotes?",
      "Reminder: never request the secret-storage types, the host refuses them anyway.",
    ],
  ],
  [
    "random",
    [
      "Look at this view from my window.",
      "Anyone up for a board game night?",
      "My cat just walked across the keyboard: asdfghjkl",
      "Recommend me a podcast, please.",
      "It's raining again 🌧️",
      "TIL octopuses have three hearts 🐙",
      "Who broke the coffee machine? 😅",
      "Happy Friday!",
    ],
  ],
  [
    "announcements",
    [
      "Scheduled maintenance tonight from 22:00 to 23:00 UTC.",
      "The homeserver was upgraded; please report anything odd.",
      "New rooms: #widgets and #design are open for everyone.",
      "Reminder: keep your recovery key somewhere safe.",
    ],
  ],
  [
    "design",
    [
      "Here are the new mockups for the consent prompt.",
      "I'd make the 'Deny' button as prominent as 'Allow'.",
      "Should the prompt show the widget's origin? I think yes.",
      "Right-to-left layouts need another pass.",
      "Updated the colour palette for dark mode.",
      "Can we use the real profile name instead of the widget's claim?",
      "Agreed, and show the raw user ID next to it.",
    ],
  ],
  [
    "dm",
    [
      "Hey! Got a minute?",
      "Sure, what's up?",
      "Can you review my widget PR later today?",
      "On it after lunch 🍜",
      "Thanks a lot!",
      "Left a few comments, mostly nits.",
    ],
  ],
  [
    "books",
    [
      "This month's pick: a novel about a lighthouse keeper.",
      "I'm halfway through, no spoilers please!",
      "Next meeting is on Sunday at the café.",
    ],
  ],
  [
    "staff",
    [
      "Budget review moved to Monday.",
      "Please keep this room private.",
      "Interviews are scheduled for next week.",
    ],
  ],
]);

/** Emote bodies (`m.emote`). */
export const EMOTES: readonly string[] = [
  "waves at everyone 👋",
  "grabs another coffee",
  "is testing the emote message type",
  "applauds 👏",
  "nods thoughtfully",
];

/** Bot notices (`m.notice`). */
export const NOTICES: readonly string[] = [
  "Reminder: the weekly sync starts in 10 minutes.",
  "Build #42 passed ✅",
  "3 new members joined today.",
  "Daily digest: 12 messages, 2 images.",
];

/** Images (`m.image`) with their mxc media IDs and sizes. */
export const IMAGES: readonly {
  body: string;
  mediaId: string;
  mimetype: string;
  w: number;
  h: number;
  size: number;
}[] = [
  { body: "sunset.jpg", mediaId: "img_sunset", mimetype: "image/jpeg", w: 1280, h: 853, size: 183_204 },
  {
    body: "whiteboard.png",
    mediaId: "img_whiteboard",
    mimetype: "image/png",
    w: 1600,
    h: 900,
    size: 402_118,
  },
  { body: "cat.gif", mediaId: "img_cat", mimetype: "image/gif", w: 480, h: 270, size: 1_048_002 },
  { body: "mockup-v2.png", mediaId: "img_mockup_v2", mimetype: "image/png", w: 1440, h: 1024, size: 250_771 },
  {
    body: "mountains.webp",
    mediaId: "img_mountains",
    mimetype: "image/webp",
    w: 2048,
    h: 1365,
    size: 331_540,
  },
];

/** Emoticons of the demo image packs: shortcode, media ID, description, usage. */
export const EMOTICONS: readonly {
  shortcode: string;
  mediaId: string;
  body: string;
  usage?: readonly string[];
}[] = [
  { shortcode: "blobwave", mediaId: "emote_blobwave", body: "Blob waving" },
  { shortcode: "partyparrot", mediaId: "emote_partyparrot", body: "Party parrot", usage: ["emoticon"] },
  { shortcode: "thisisfine", mediaId: "emote_thisisfine", body: "This is fine", usage: ["sticker"] },
  { shortcode: "catjam", mediaId: "emote_catjam", body: "Cat jamming", usage: ["emoticon"] },
  { shortcode: "shipit", mediaId: "emote_shipit", body: "Ship it squirrel" },
];
