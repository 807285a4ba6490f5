//! Tests of `$batch` request bodies and multipart responses.

use super::*;

#[test]
fn a_batch_body_has_one_get_part_per_url_and_a_closing_boundary() {
    let urls = vec![
        "https://x/_api/a?$filter=ID eq 1".to_owned(),
        "https://x/_api/b".to_owned(),
    ];
    let headers = vec![(
        "Accept".to_owned(),
        "application/json;odata=nometadata".to_owned(),
    )];
    let body = batch_body("batch_7", &urls, &headers, None);
    assert_eq!(
        body,
        "--batch_7\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
         GET https://x/_api/a?$filter=ID eq 1 HTTP/1.1\r\nAccept: application/json;odata=nometadata\r\n\r\n\
         --batch_7\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
         GET https://x/_api/b HTTP/1.1\r\nAccept: application/json;odata=nometadata\r\n\r\n\
         --batch_7--\r\n"
    );
    assert_eq!(
        batch_content_type("batch_7"),
        "multipart/mixed; boundary=batch_7"
    );
    assert_eq!(
        batch_url("https://x/sites/a/"),
        "https://x/sites/a/_api/$batch"
    );
}

fn batch_response(newline: &str) -> String {
    let n = newline;
    [
        "--batchresponse_1",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "",
        "HTTP/1.1 200 OK",
        "CONTENT-TYPE: application/json;odata=nometadata;streaming=true;charset=utf-8",
        "",
        r#"{"value":[{"Id":1}]}"#,
        "--batchresponse_1",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "",
        "HTTP/1.1 429 Too Many Requests",
        "Retry-After: 7",
        "",
        r#"{"error":{"message":"busy"}}"#,
        "--batchresponse_1",
        "Content-Type: application/http",
        "",
        "HTTP/1.1 204 No Content",
        "",
        "--batchresponse_1--",
        "",
    ]
    .join(n)
}

#[test]
fn batch_responses_split_into_parts_with_status_retry_after_and_body() {
    for newline in ["\r\n", "\n"] {
        let parts = parse_batch(&batch_response(newline)).unwrap();
        assert_eq!(parts.len(), 3, "{newline:?}");
        assert_eq!(
            parts[0],
            BatchPart {
                status: 200,
                retry_after_secs: None,
                body: r#"{"value":[{"Id":1}]}"#.into()
            }
        );
        assert_eq!((parts[1].status, parts[1].retry_after_secs), (429, Some(7)));
        assert_eq!(parts[1].body, r#"{"error":{"message":"busy"}}"#);
        assert_eq!((parts[2].status, parts[2].body.as_str()), (204, ""));
    }
}

#[test]
fn malformed_batch_responses_are_errors() {
    let full = batch_response("\r\n");
    let cut = &full[..full.find("--batchresponse_1--").unwrap()];
    let no_status = full.replace("HTTP/1.1 429 Too Many Requests", "garbage");
    let changeset = full.replacen(
        "Content-Type: application/http",
        "Content-Type: multipart/mixed; boundary=changesetresponse_1",
        1,
    );
    for (body, what) in [
        ("", "no boundary line"),
        (r#"{"value":[]}"#, "no boundary line"),
        (cut, "no closing boundary"),
        (no_status.as_str(), "status line"),
        (changeset.as_str(), "changeset without its parts"),
    ] {
        let error = parse_batch(body).unwrap_err();
        assert!(
            error.message().contains(what),
            "{what}: {}",
            error.message()
        );
    }
}

/// RFC 2046 lets a delimiter line end in spaces or tabs (transport padding).
#[test]
fn padded_delimiter_lines_are_boundaries() {
    for pad in [" ", "\t ", ""] {
        let body = batch_response("\r\n")
            .replace(
                "--batchresponse_1\r\n",
                &format!("--batchresponse_1{pad}\r\n"),
            )
            .replace("--batchresponse_1--", &format!("--batchresponse_1--{pad}"));
        assert_eq!(parse_batch(&body).unwrap().len(), 3, "{pad:?}");
    }
}

#[test]
fn batch_headers_with_non_ascii_text_do_not_panic() {
    let body = "--b\r\nContent-Typé: x\r\nContént-Type: y\r\n\r\nHTTP/1.1 200 OK\r\nRetry-Aftér: 1\r\n\r\n{}\r\n--b--\r\n";
    let parts = parse_batch(body).unwrap();
    assert_eq!((parts[0].status, parts[0].retry_after_secs), (200, None));
}

#[test]
fn a_batch_can_end_with_a_post_in_a_changeset_and_its_response_is_flattened() {
    let urls = vec!["https://x/_api/a".to_owned()];
    let headers = vec![("Accept".to_owned(), "application/json".to_owned())];
    let post = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    let body = batch_body(
        "batch_7",
        &urls,
        &headers,
        Some(("https://x/_api/c", &post, "{}")),
    );
    assert_eq!(
        body,
        "--batch_7\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
         GET https://x/_api/a HTTP/1.1\r\nAccept: application/json\r\n\r\n\
         --batch_7\r\nContent-Type: multipart/mixed; boundary=changeset_batch_7\r\n\r\n\
         --changeset_batch_7\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
         POST https://x/_api/c HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{}\r\n\
         --changeset_batch_7--\r\n--batch_7--\r\n"
    );
    let response = [
        "--batchresponse_1",
        "Content-Type: application/http",
        "",
        "HTTP/1.1 200 OK",
        "",
        r#"{"value":[{"Id":1}]}"#,
        "--batchresponse_1",
        "Content-Type: multipart/mixed; boundary=\"changesetresponse_2\"",
        "",
        "--changesetresponse_2",
        "Content-Type: application/http",
        "",
        "HTTP/1.1 200 OK",
        "",
        r#"{"value":[]}"#,
        "--changesetresponse_2--",
        "--batchresponse_1--",
        "",
    ]
    .join("\r\n");
    let parts = parse_batch(&response).unwrap();
    let got: Vec<(u16, &str)> = parts.iter().map(|p| (p.status, p.body.as_str())).collect();
    assert_eq!(
        got,
        [(200, r#"{"value":[{"Id":1}]}"#), (200, r#"{"value":[]}"#)]
    );
}
