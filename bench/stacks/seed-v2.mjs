// The seed web part's client stack (what sp-live replaces), as the seed used it:
// socket.io-client 2.0.4 for the hints, rx-lite for the singleton emitter, moment for
// dates, @pnp/sp 2 for GetChanges and the item reads. Bundled + minified by sizes.mjs.
import io from "socket.io-client-v2";
import Rx from "rx-lite";
import moment from "moment";
import { sp } from "pnp-sp-v2";
import "pnp-sp-v2/webs";
import "pnp-sp-v2/lists";
import "pnp-sp-v2/items";

export function start(broadcaster, listId, token, onChange) {
  const subject = new Rx.Subject();
  const socket = io(broadcaster);
  socket.on("list:changes", async () => {
    const list = sp.web.lists.getById(listId);
    const changes = await list.getChanges({ Item: true, Add: true, Update: true, DeleteObject: true, ChangeTokenStart: { StringValue: token } });
    if (changes.length) token = changes[changes.length - 1].ChangeToken.StringValue;
    const ids = changes.map((c) => `(ID eq ${c.ItemId})`).join(" or ");
    const items = await list.items.select("ID", "Title", "Modified").filter(ids).get();
    subject.onNext(JSON.stringify({ AddedItems: items, UpdatedItems: [], DeleteItems: [], At: moment().format() }));
  });
  return subject.subscribe(onChange);
}
