// Checks of useLiveList with React 18 (tests/react18), run by react.test.mjs on the page
// at /18/: a concurrent root (createRoot) in StrictMode, whose effects run twice on mount
// in development. The hook opens one list, keeps and resumes a checkpoint (`storageKey`),
// and leaves none open after an unmount, and a
// render never shows a closed list: React 18 renders a discrete update (flushSync, a
// click's) before the update an effect made, so switching to another list and back at
// once used to render the first list's old state, its rows and the closed LiveList.

import { waitFor } from "../e2e/lib.mjs";

/** `ctx`: { browser, url, checks, base, lists: [listId, otherListId], rest, logFile, expect }. */
export async function react18Checks({ browser, url, checks, base, lists, rest, logFile, expect }) {
  const page = await browser.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on("console", (m) => logFile.write(`[page 18 ${m.type()}] ${m.text()}\n`));
  page.on("pageerror", (e) => (errors.push(e.message), logFile.write(`[pageerror 18] ${e.message}\n`)));
  await page.goto(url);
  await page.waitForFunction(() => window.ready === true);
  const [first, second] = lists.map((listId) => ({ ...base, listId }));
  const status = () => page.evaluate(() => window.t.text("root", "status"));
  const live = () => waitFor("status live", async () => (await status()) === "live", 8000);
  try {
    await checks.check("React 18, StrictMode: the grid goes live with the list's rows; the effects run twice, one list stays open", async () => {
      await page.evaluate((o) => window.t.render(o), first);
      await live();
      const n = (await rest.items()).length;
      await waitFor("the rows", () => page.evaluate((n) => window.t.rows().length === n, n), 8000);
      const open = await page.evaluate(() => window.t.lists.filter((l) => l.status !== "closed").length);
      expect(open === 1, `${open} lists open`);
      return `${n} rows`;
    });

    await checks.check("React 18: another list and back at once (flushSync) never renders a closed list or the old rows", async () => {
      const views = await page.evaluate(({ first, second }) => {
        window.t.views.length = 0;
        window.t.render(second, { sync: true });
        window.t.render(first, { sync: true });
        return window.t.views.map((v) => `${v.status}:${v.rows}:${v.list}`);
      }, { first, second });
      expect(views.length > 0 && views.every((v) => v === "connecting:0:null"), `rendered ${views.join(", ")}`);
      await live();
      return views.join(", ");
    });

    await checks.check("React 18, StrictMode: storageKey keeps the checkpoint on unmount, and the next mount resumes from it (no load)", async () => {
      const options = { ...first, storageKey: "sp-live-test-18" };
      await page.evaluate((o) => window.t.render(o, { fetchTag: "r18" }), options);
      await live();
      await page.evaluate(() => window.t.unmount());
      const kept = await page.evaluate(() => JSON.parse(sessionStorage.getItem("sp-live-test-18"))?.checkpoint?.items?.length);
      const rows = (await rest.items()).length;
      expect(kept === rows, `kept ${kept} of ${rows} rows`);
      await page.evaluate(() => ((window.t.statuses = []), (window.t.fetchUrls = [])));
      await page.evaluate((o) => window.t.render(o, { fetchTag: "r18" }), options);
      await live();
      const { statuses, urls } = await page.evaluate(() => ({ statuses: window.t.statuses, urls: window.t.fetchUrls }));
      expect(statuses.includes("resyncing"), `statuses ${statuses}`);
      expect(!urls.some((u) => u.includes("CurrentChangeToken")), `a load: ${urls.join(" ")}`);
      return `statuses ${statuses.join(" -> ")}`;
    });

    await checks.check("React 18: unmounting leaves no list open and no socket", async () => {
      await page.evaluate(() => window.t.unmount());
      await waitFor("no socket open", () => page.evaluate(() => window.t.openSockets() === 0), 8000);
      const open = await page.evaluate(() => window.t.lists.filter((l) => l.status !== "closed").length);
      expect(open === 0, `${open} lists open`);
      expect(errors.length === 0, errors.join("; "));
    });
  } finally {
    await page.close();
  }
}
