// Broadcaster (the raw socket.io / WebSocket connection), its options and the errors a feed
// reports: part of the typed consumer in consumer.ts (see there), checked by make test-types.
import {
  Broadcaster,
  LiveList,
  type AuthProvider,
  type ConnectionStatus,
  type FeedError,
  type SpLiveError,
  type Unsubscribe,
} from "sp-live";

// ---------- Broadcaster ----------
export async function broadcaster(): Promise<void> {
  const b: Broadcaster = await Broadcaster.connect("https://broadcaster.example.net", {
    protocol: "socket.io-v2",
    path: "/socket.io/",
    auth: { token: "t", room: 1, admin: false },
    reconnectionAttempts: 5,
  });
  const off: Unsubscribe = b.on("list:changes", (...args) => {
    const first: unknown = args[0];
    const value: unknown = typeof first === "string" ? JSON.parse(first) : first;
    void value;
  });
  const offStatus = b.onStatus((status) => {
    const state: ConnectionStatus["state"] = status.state;
    void state;
  });
  const offError = b.onError((error: SpLiveError) => {
    const message: string = error.message;
    const code: string = error.code;
    void message, code;
  });
  b.emit("subscribe", { lists: ["482e418a-0900-414b-8902-02248c2e44e8"] });
  b.emit("ping");
  const state: ConnectionStatus = b.status;
  void state;
  off();
  offStatus();
  offError();
  b.close();

  // `auth` as a function, asked before every attempt (socket.io-client's forms).
  const fresh = async (): Promise<string> => "t";
  const viaCallback: AuthProvider = (cb) => cb({ token: "t" });
  await Broadcaster.connect("https://b", { auth: viaCallback });
  await Broadcaster.connect("https://b", { auth: async () => ({ token: await fresh() }) });
  await Broadcaster.connect("https://b", { auth: () => ({ token: "t" }) });
  await Broadcaster.connect("https://b", {
    auth: (cb) => {
      void fresh().then((token) => cb({ token }));
    },
  });
  // @ts-expect-error an auth function gives an object of strings, numbers or booleans
  await Broadcaster.connect("https://b", { auth: () => "token" });
  // @ts-expect-error unknown protocol
  await Broadcaster.connect("https://b", { protocol: "engine.io" });
  // @ts-expect-error auth values are strings, numbers or booleans
  await Broadcaster.connect("https://b", { auth: { nested: { a: 1 } } });
  // @ts-expect-error the URL is required
  await Broadcaster.connect();
  // @ts-expect-error event arguments are unknown: a handler cannot claim they are strings
  b.on("list:changes", (data: string) => void data);
  // @ts-expect-error status is read-only
  b.status = { state: "open", reason: null };
}

// Checks that were known gaps of the typings once (now enforced).
const MAIL_FIELDS = ["Title", "Subject"] as const;
export async function formerGaps(error: FeedError): Promise<void> {
  // @ts-expect-error neither listId nor listTitle
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s" });
  // @ts-expect-error a misspelt error code
  if (error.code === "sp-throtled") return;
  // @ts-expect-error a function is no JSON value
  (await Broadcaster.connect("https://b")).emit("subscribe", () => 1);
  // readonly field lists and the request method's union compile
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", select: MAIL_FIELDS });
  const method: "GET" | "POST" | undefined = error.request?.method;
  void method;
}
