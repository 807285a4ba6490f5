//! Tests of error bodies in their other shapes: XML (classified from the whole body),
//! localised messages, OAuth.

use super::*;

const XML_HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?><m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">"#;

fn xml(code: &str, message: &str) -> String {
    format!(
        r#"{XML_HEAD}<m:code>{code}</m:code><m:message xml:lang="en-US">{message}</m:message></m:error>"#
    )
}

#[test]
fn xml_error_bodies_are_classified_from_the_whole_body() {
    // A stale digest and an expired token, in XML: the whole body is searched (code and
    // message), and its start is the message.
    let digest = xml(
        "-2130575251, Microsoft.SharePoint.SPException",
        "The security validation for this page is invalid and might be corrupted.",
    );
    let e = classify_error(403, &digest);
    assert_eq!(e.kind, SpErrorKind::SecurityValidation);
    assert_eq!(e.code, None);
    assert!(
        digest.starts_with(&e.message) && !e.message.is_empty(),
        "{e:?}"
    );
    // By the code alone (any language), with a message split over lines.
    let localised = xml(
        "-2130575251, Microsoft.SharePoint.SPException",
        "Ung\u{fc}ltig\n",
    );
    assert_eq!(
        classify_error(403, &localised).kind,
        SpErrorKind::SecurityValidation
    );
    for message in [
        "The changeToken refers to a time before the start of the current change log.",
        "Das changeToken ist abgelaufen.",
    ] {
        let expired = xml("-2146232832, Microsoft.SharePoint.SPException", message);
        assert_eq!(
            classify_error(500, &expired).kind,
            SpErrorKind::TokenExpired,
            "{message}"
        );
    }
    let too_old = xml("-2130575172, Microsoft.SharePoint.SPException", "x");
    assert_eq!(
        classify_error(500, &too_old).kind,
        SpErrorKind::TokenExpired
    );
    // Not an error document: the body start is the message.
    assert_eq!(error_body("<html>Service Unavailable</html>"), None);
    let e = classify_error(500, "<html>Service Unavailable</html>");
    assert_eq!(e.message, "<html>Service Unavailable</html>");
    assert_eq!(e.kind, SpErrorKind::Http);
}

#[test]
fn localised_expiry_with_the_generic_code_is_token_expired() {
    let de = r#"{"error":{"code":"-2146232832, Microsoft.SharePoint.SPException","message":{"lang":"de-DE","value":"Das changeToken verweist auf einen Zeitpunkt vor dem Beginn des aktuellen Änderungsprotokolls."}}}"#;
    assert_eq!(classify_error(500, de).kind, SpErrorKind::TokenExpired);
    // Another SharePoint error with the generic code is not.
    let other = r#"{"error":{"code":"-2146232832, Microsoft.SharePoint.SPException","message":{"lang":"de-DE","value":"Die Liste ist gesperrt."}}}"#;
    assert_eq!(classify_error(500, other).kind, SpErrorKind::Http);
}

#[test]
fn oauth_errors_keep_their_description() {
    let body = r#"{"error":"invalid_client","error_description":"Invalid issuer or signature."}"#;
    let e = classify_error(401, body);
    assert_eq!(
        (e.kind, e.code.as_deref(), e.message.as_str()),
        (
            SpErrorKind::Unauthorized,
            Some("invalid_client"),
            "Invalid issuer or signature."
        )
    );
    // Without a description, the body is the message.
    let bare = r#"{"error":"invalid_token"}"#;
    assert_eq!(classify_error(401, bare).message, bare);
}

#[test]
fn xml_bodies_cut_anywhere_or_odd_never_panic() {
    let full = xml(
        "-1, x",
        "a &#x1F600; &amp; é <b/> &#99999999999; &#xFFFFFFFFF;",
    );
    let odd = "<<m:error>><m:code>&&#;&#x;&</m:message><m:message/></m:error><m:code";
    for body in [full.as_str(), odd] {
        for cut in (0..=body.len()).filter(|i| body.is_char_boundary(*i)) {
            let _ = classify_error(500, &body[..cut]);
            let _ = classify_error(500, &body[cut..]);
        }
    }
}
