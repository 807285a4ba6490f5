//! The simulated list's reads: item pages (`$filter` by ids, `$skiptoken`, next links),
//! the read-ahead (`$filter` on `Modified`) and `$batch` requests with their parts.

use super::*;

impl Server {
    pub(super) fn items_page(&self, url: &str, query: &str) -> HttpResponse {
        let mut top = 100usize;
        let mut after = i64::MIN;
        let mut filter: Option<Vec<i64>> = None;
        for param in query.split('&') {
            if let Some(v) = param.strip_prefix("$top=") {
                top = v.parse().unwrap_or(100).min(5000);
            } else if let Some(v) = param.strip_prefix("$skiptoken=") {
                let v = v
                    .to_ascii_uppercase()
                    .replace("%3D", "=")
                    .replace("%26", "&");
                after = v
                    .rsplit("P_ID=")
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(i64::MIN);
            } else if param.starts_with("$filter=") && param.contains("(ID%20") {
                filter = Some(filter_ids(url));
            }
        }
        let view = filtered(url);
        if view && self.scan_window > 0 && !self.omit_next_links {
            return self.view_page_by_windows(url, after, top, filter.as_deref());
        }
        let selected: Vec<(&i64, &Item)> = self
            .items
            .range(after.saturating_add(1)..)
            .filter(|(id, _)| filter.as_ref().is_none_or(|f| f.contains(id)))
            .filter(|(_, it)| !view || it.shown())
            .take(top + 1)
            .collect();
        let more = selected.len() > top;
        let records: Vec<String> = selected
            .iter()
            .take(top)
            .map(|(id, it)| self.item_json(**id, it))
            .collect();
        let next = match (more, selected.get(top.wrapping_sub(1))) {
            (true, Some((last, _))) if !self.omit_next_links => {
                let base = url.split("&$skiptoken=").next().unwrap_or(url);
                Some(format!("{base}&$skiptoken=Paged%3dTRUE%26p_ID%3d{last}"))
            }
            _ => None,
        };
        ok(self.collection(&records, next))
    }

    /// A page of a view (`$filter`) read as SharePoint may read a big list: at most
    /// `scan_window` items of the list looked at, the view's among them (up to `top`;
    /// only `ids`' for a read by ID), and a next link past the last one looked at while
    /// the list goes on, so a page may be short, or empty, and still link on.
    fn view_page_by_windows(
        &self,
        url: &str,
        after: i64,
        top: usize,
        ids: Option<&[i64]>,
    ) -> HttpResponse {
        let mut shown = Vec::new();
        let mut last_seen = None;
        let mut more = false;
        for (i, (id, item)) in self.items.range(after.saturating_add(1)..).enumerate() {
            if i == self.scan_window || shown.len() == top {
                more = true;
                break;
            }
            last_seen = Some(*id);
            if item.shown() && ids.is_none_or(|ids| ids.contains(id)) {
                shown.push(self.item_json(*id, item));
            }
        }
        let next = match (more, last_seen) {
            (true, Some(last)) => {
                let base = url.split("&$skiptoken=").next().unwrap_or(url);
                Some(format!("{base}&$skiptoken=Paged%3dTRUE%26p_ID%3d{last}"))
            }
            _ => None,
        };
        ok(self.collection(&shown, next))
    }

    /// The read-ahead query: the current state of an arbitrary subset of the items (some
    /// the feed did not ask about, some it did left out), up to `$top`, or a refusal.
    pub(super) fn read_ahead(&mut self, url: &str, query: &str) -> HttpResponse {
        if self.refuse_read_ahead {
            return self.error(
                500,
                "-2147024860, Microsoft.SharePoint.SPQueryThrottledException",
                "The attempted operation is prohibited because it exceeds the list view threshold.",
            );
        }
        self.read_aheads += 1;
        let top = query
            .split('&')
            .find_map(|p| p.strip_prefix("$top="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(100usize);
        let records: Vec<String> = self
            .items
            .iter()
            .rev()
            .filter(|(id, it)| (**id as u64 * 7 + it.version) % 3 != 0)
            .filter(|(_, it)| !filtered(url) || it.shown())
            .take(top)
            .map(|(id, it)| self.item_json(*id, it))
            .collect();
        ok(self.collection(&records, None))
    }

    /// `$batch` of GETs and a changeset of POSTs (the confirming GetChanges): each part
    /// answered as if alone, or 429 now and then.
    pub(super) fn batch(&mut self, now: u64, req: &HttpRequest) -> HttpResponse {
        let content_type = req.headers.iter().find(|(k, _)| k == "Content-Type");
        let Some(boundary) = content_type.and_then(|(_, v)| v.split_once("boundary=")) else {
            return self.error(400, "-1", "no boundary");
        };
        let body = req.body.clone().unwrap_or_default();
        let mut out = String::new();
        for part in body.split(&format!("--{}", boundary.1)).skip(1) {
            if part.starts_with("--") {
                break;
            }
            if let Some((_, inner)) = part.split_once("multipart/mixed; boundary=") {
                let inner_boundary = inner.lines().next().unwrap_or("").trim();
                out.push_str("--batchresponse_9\r\nContent-Type: multipart/mixed; boundary=changesetresponse_9\r\n\r\n");
                for sub in part.split(&format!("--{inner_boundary}")).skip(1) {
                    if sub.starts_with("--") {
                        break;
                    }
                    let Some((_, http)) = sub.split_once("\r\n\r\n") else {
                        continue;
                    };
                    let (head, body) = http.split_once("\r\n\r\n").unwrap_or((http, ""));
                    let mut lines = head.lines();
                    let line = lines.next().unwrap_or("");
                    let url = line
                        .trim_start_matches("POST ")
                        .trim_end_matches(" HTTP/1.1");
                    let headers = lines
                        .filter_map(|l| l.split_once(": "))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect();
                    let inner = HttpRequest {
                        id: req.id,
                        method: "POST",
                        url: url.to_owned(),
                        headers,
                        body: Some(body.trim_end().to_owned()),
                        item_parts: 0..0,
                    };
                    let r = self.batch_part(now, &inner);
                    Self::write_part(&mut out, "changesetresponse_9", &r);
                }
                out.push_str("--changesetresponse_9--\r\n");
                continue;
            }
            let Some(line) = part.lines().find_map(|l| l.strip_prefix("GET ")) else {
                return self.error(400, "-1", "a part without GET");
            };
            let inner = HttpRequest {
                id: req.id,
                method: "GET",
                url: line.trim_end_matches(" HTTP/1.1").to_owned(),
                headers: Vec::new(),
                body: None,
                item_parts: 0..0,
            };
            let r = self.batch_part(now, &inner);
            Self::write_part(&mut out, "batchresponse_9", &r);
        }
        out.push_str("--batchresponse_9--\r\n");
        ok(out)
    }

    /// One request of a batch: answered, or 429 every `batch_part_fault_every`.
    fn batch_part(&mut self, now: u64, req: &HttpRequest) -> HttpResponse {
        self.batch_parts += 1;
        let every = self.batch_part_fault_every;
        if every > 0 && self.batch_parts % every == 0 {
            let mut r = self.error(429, "-2147024860", "throttled inside a batch");
            r.retry_after_secs = Some(1);
            return r;
        }
        self.handle(now, req)
    }

    fn write_part(out: &mut String, boundary: &str, r: &HttpResponse) {
        let retry = r
            .retry_after_secs
            .map_or(String::new(), |s| format!("Retry-After: {s}\r\n"));
        out.push_str(&format!(
            "--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
             HTTP/1.1 {} X\r\nContent-Type: application/json\r\n{retry}\r\n{}\r\n",
            r.status, r.body
        ));
    }
}
