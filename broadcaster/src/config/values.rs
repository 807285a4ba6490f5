//! Parsers of single flag and environment values: secrets, tokens, Entra settings and
//! sizes, each trimmed and refused with an error naming the setting when blank or invalid.

/// Parses one `clientState` secret: trimmed, and refused when blank (an empty
/// `SP_CLIENT_STATE`, or an empty item in its comma-separated list).
pub fn parse_secret(s: &str) -> Result<String, String> {
    non_blank(
        s,
        "a clientState secret (--client-state / SP_CLIENT_STATE) must not be blank; unset it \
         to accept every clientState, or give the subscriptions' secret",
    )
}

/// Parses one client token: trimmed, and refused when blank (an empty `SP_CLIENT_TOKEN`,
/// or an empty item in its comma-separated list).
pub fn parse_token(s: &str) -> Result<String, String> {
    non_blank(
        s,
        "a client token (--client-token / SP_CLIENT_TOKEN) must not be blank; unset it to \
         let anyone listen",
    )
}

/// The parser of one `--entra-*` value: trimmed, and refused when blank (an empty
/// `SP_ENTRA_TENANT`, say) with an error naming `setting`.
pub(super) fn entra_setting(
    setting: &'static str,
) -> impl Fn(&str) -> Result<String, String> + Clone {
    move |s| non_blank(s, &format!("{setting} must not be blank"))
}

/// `s` trimmed, or `blank` as the error when nothing is left.
fn non_blank(s: &str, blank: &str) -> Result<String, String> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Err(blank.to_owned());
    }
    Ok(trimmed.to_owned())
}

/// Parses `262144`, `256K`, `256KiB`, `1M`, `1MiB` (case-insensitive, K = 1024).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num.parse().map_err(|_| format!("invalid size: {s:?}"))?;
    let mult = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => return Err(format!("invalid size unit in {s:?}")),
    };
    n.checked_mul(mult)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("invalid size: {s:?}"))
}
