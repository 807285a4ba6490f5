// The demo's writes, made with SharePoint REST from the page as a web part would make
// them (form digest from /_api/contextinfo, MERGE / DELETE through X-HTTP-Method).

const ACCEPT = "application/json;odata=nometadata";

/** The last form digest per site: {value, until}. */
const digests = new Map();

async function formDigest(site, force) {
  const digest = digests.get(site);
  if (!force && digest && performance.now() < digest.until) return digest.value;
  const res = await fetch(`${site}/_api/contextinfo`, { method: "POST", headers: { Accept: ACCEPT } });
  if (!res.ok) throw new Error(`contextinfo: HTTP ${res.status}`);
  const info = await res.json();
  const secs = Number(info.FormDigestTimeoutSeconds) || 1800;
  digests.set(site, { value: info.FormDigestValue, until: performance.now() + Math.max(10, secs - 60) * 1000 });
  return info.FormDigestValue;
}

async function errorText(res) {
  const body = await res.text();
  try {
    const j = JSON.parse(body);
    const e = j["odata.error"] ?? j.error;
    if (e?.message?.value) return `HTTP ${res.status}: ${e.message.value}`;
  } catch {
    /* not JSON */
  }
  return `HTTP ${res.status}`;
}

/** POST / MERGE / DELETE on `site` with a digest; a rejected digest is renewed once. */
export async function spWrite(site, verb, url, fields) {
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: ACCEPT, "X-RequestDigest": await formDigest(site, attempt > 0) };
    if (verb !== "POST") Object.assign(headers, { "X-HTTP-Method": verb, "IF-MATCH": "*" });
    const init = { method: "POST", headers };
    if (fields) {
      headers["Content-Type"] = "application/json;odata=nometadata";
      init.body = JSON.stringify(fields);
    }
    const res = await fetch(url, init);
    if (res.ok) return res.status === 204 ? null : res.json().catch(() => null);
    if (res.status === 403 && attempt === 0) continue;
    throw new Error(await errorText(res));
  }
}
