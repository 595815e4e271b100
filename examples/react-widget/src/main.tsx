// A React widget: one <WidgetClientProvider> connects to the host (once, even under StrictMode),
// and hooks give the room's messages, search results, theme and language. Anything without a hook
// (sending here) is a free function of matrix-widget-kit/widget called with the provider's client.
import { StrictMode, useState, type FormEvent } from "react";
import { createRoot } from "react-dom/client";
import {
  WidgetClientProvider,
  useCapabilities,
  useLanguage,
  useRoomEvents,
  useTheme,
  useUserDirectorySearch,
  useWidgetClient,
} from "matrix-widget-kit/react";
import { eventCapability, formatCapability, sendEvent, type WidgetClient } from "matrix-widget-kit/widget";

const RECEIVE = eventCapability("receive", "m.room.message", { msgtype: "m.text" });
const SEND = eventCapability("send", "m.room.message", { msgtype: "m.text" });
const SEARCH = formatCapability({ kind: "fixed", name: "user_directory_search" });

function Messages() {
  // The room's current messages first, then live ones; re-read when a capability is granted later.
  const { events, status, error } = useRoomEvents("m.room.message", { msgtype: "m.text", limit: 20 });
  if (status === "error") return <p role="alert">Could not read messages: {error?.message}</p>;
  if (status !== "ready") return <p>Loading messages…</p>;
  return (
    <ul id="messages">
      {events.map((event) => (
        <li key={event.event_id}>
          {event.sender}: {String(event.content.body ?? "")}
        </li>
      ))}
    </ul>
  );
}

function Composer({ client }: { client: WidgetClient }) {
  const [body, setBody] = useState("");
  const [problem, setProblem] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    // The message comes back through useRoomEvents, as a live event.
    sendEvent(client, "m.room.message", { msgtype: "m.text", body }).then(
      () => setBody(""),
      (error: unknown) => setProblem(String(error)),
    );
  };
  return (
    <form id="send" onSubmit={submit}>
      <input aria-label="Message" value={body} onChange={(e) => setBody(e.target.value)} required />
      <button>Send</button>
      {problem !== undefined && <p role="alert">{problem}</p>}
    </form>
  );
}

function People() {
  const [term, setTerm] = useState("alice");
  // Debounced (300 ms); an older answer that arrives after a newer one is dropped.
  const search = useUserDirectorySearch(term, { limit: 5 });
  return (
    <section>
      <input aria-label="Search users" value={term} onChange={(e) => setTerm(e.target.value)} />
      <ul id="users">
        {search.results.map((user) => (
          <li key={user.user_id}>
            {user.display_name ?? user.user_id} ({user.user_id})
          </li>
        ))}
      </ul>
    </section>
  );
}

function App() {
  const connection = useWidgetClient();
  const capabilities = useCapabilities();
  const theme = useTheme();
  const language = useLanguage();
  if (connection.status === "connecting") {
    return (
      <p id="status" data-state="connecting">
        Connecting to the host…
      </p>
    );
  }
  if (connection.status === "error") {
    return (
      <p id="status" data-state="error">
        {connection.error.message}
      </p>
    );
  }
  return (
    <main data-theme={typeof theme?.name === "string" ? theme.name : undefined} lang={language}>
      <p id="status" data-state="ready">
        Connected to {connection.client.widgetId}; granted: {capabilities.granted.length}
      </p>
      {capabilities.has(RECEIVE) ? <Messages /> : <p>Reading messages was not allowed.</p>}
      {capabilities.has(SEND) && <Composer client={connection.client} />}
      {capabilities.has(SEARCH) && <People />}
    </main>
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("#root is missing from index.html");
createRoot(root).render(
  <StrictMode>
    <WidgetClientProvider options={{ capabilities: [RECEIVE, SEND, SEARCH] }}>
      <App />
    </WidgetClientProvider>
  </StrictMode>,
);
