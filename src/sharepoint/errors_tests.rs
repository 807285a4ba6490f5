//! Tests of error bodies in their other shapes: XML, localised messages, OAuth.

use super::*;

const XML_HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?><m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">"#;

fn xml(code: &str, message: &str) -> String {
    format!(
        r#"{XML_HEAD}<m:code>{code}</m:code><m:message xml:lang="en-US">{message}</m:message></m:error>"#
    )
}

#[test]
fn xml_error_bodies_are_read_and_classified() {
    let digest = xml(
        "-2130575251, Microsoft.SharePoint.SPException",
        "The security validation for this page is invalid and might be corrupted. Please use your web browser&apos;s Back button to try your operation again.",
    );
    let e = classify_error(403, &digest);
    assert_eq!(e.kind, SpErrorKind::SecurityValidation);
    assert_eq!(
        e.code.as_deref(),
        Some("-2130575251, Microsoft.SharePoint.SPException")
    );
    assert!(e.message.contains("web browser's Back"), "{e:?}");

    let expired = xml(
        "-2146232832, Microsoft.SharePoint.SPException",
        "The changeToken refers to a time before the start of the current change log.",
    );
    assert_eq!(
        classify_error(500, &expired).kind,
        SpErrorKind::TokenExpired
    );

    // No prefix, an inner error after the message, every kind of entity.
    let plain = "<error><code>7</code><message>a &amp; b &lt;c&gt; &quot;d&quot;&apos; &#233; &bogus; & x&</message><innererror><message>inner</message></innererror></error>";
    assert_eq!(
        error_body(plain),
        Some((
            Some("7".into()),
            "a & b <c> \"d\"' &#233; &bogus; & x&".into()
        ))
    );
    // Not an error document, or cut short: the body start is the message.
    assert_eq!(error_body("<html>Service Unavailable</html>"), None);
    assert_eq!(
        error_body("<m:error><m:code>1</m:co"),
        Some((Some("1".into()), String::new()))
    );
    let e = classify_error(500, "<html>Service Unavailable</html>");
    assert_eq!(e.message, "<html>Service Unavailable</html>");
    assert_eq!(
        error_body("<m:error><m:code/><m:message>m</m:message></m:error>"),
        Some((None, "m".into()))
    );
}

#[test]
fn xml_tags_split_over_lines_or_after_a_stray_angle_bracket_are_read() {
    let body = "<?xml version=\"1.0\"?><m:error xmlns:m=\"x\">\n<m:code>-2130575251, Microsoft.SharePoint.SPException</m:code>\n<m:message\n  xml:lang=\"en-US\">a < b</m:message></m:error>";
    assert_eq!(
        error_body(body),
        Some((
            Some("-2130575251, Microsoft.SharePoint.SPException".into()),
            "a ".into()
        ))
    );
    let stray = "<m:error>1 < 2 <m:code>7</m:code><m:message\tx=\"y\">m</m:message></m:error>";
    assert_eq!(error_body(stray), Some((Some("7".into()), "m".into())));
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
