// The same client stack on current libraries: socket.io-client 4.8, an rxjs Subject,
// @pnp/sp 4 (fluent, SPBrowser behaviour). Bundled + minified by sizes.mjs.
import { io } from "socket.io-client-v4";
import { Subject } from "rxjs";
import { spfi, SPBrowser } from "@pnp/sp";
import "@pnp/sp/webs";
import "@pnp/sp/lists";
import "@pnp/sp/items";

export function start(broadcaster, siteUrl, listId, token, onChange) {
  const sp = spfi().using(SPBrowser({ baseUrl: siteUrl }));
  const subject = new Subject();
  const socket = io(broadcaster);
  socket.on("list:changes", async () => {
    const list = sp.web.lists.getById(listId);
    const changes = await list.getChanges({ Item: true, Add: true, Update: true, DeleteObject: true, ChangeTokenStart: { StringValue: token } });
    if (changes.length) token = changes[changes.length - 1].ChangeToken.StringValue;
    const ids = changes.map((c) => `(ID eq ${c.ItemId})`).join(" or ");
    const items = await list.items.select("ID", "Title", "Modified").filter(ids)();
    subject.next({ added: items, updated: [], deleted: [] });
  });
  return subject.subscribe(onChange);
}
