//! Authentication as kube-apiserver does it: static bearer tokens from a
//! `--token-auth-file` CSV (`token,user,uid[,"group1,group2"]`), client certificates signed
//! by the cluster CA (CN is the user, each O a group), and `401 Unauthorized` for a request
//! with no or wrong credentials. Every authenticated user is in `system:authenticated`.

use std::sync::Arc;

use axum::http::HeaderMap;

use crate::apiserver::errors::ApiError;

/// Group every authenticated user is in.
pub const AUTHENTICATED: &str = "system:authenticated";

/// Group allowed everything (kubeadm's admin is in it).
pub const MASTERS: &str = "system:masters";

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInfo {
    /// User name (`alice`, `system:serviceaccount:ns:name`).
    pub name: String,
    /// User id (empty when unknown, as for certificates).
    pub uid: String,
    /// Groups, `system:authenticated` included once authenticated.
    pub groups: Vec<String>,
}

impl UserInfo {
    /// A user with the given groups plus `system:authenticated`, as upstream's
    /// authenticated-group adder makes it.
    pub fn authenticated(name: &str, uid: &str, groups: &[String]) -> UserInfo {
        let mut groups = groups.to_vec();
        if !groups.iter().any(|g| g == AUTHENTICATED) {
            groups.push(AUTHENTICATED.to_string());
        }
        UserInfo {
            name: name.to_string(),
            uid: uid.to_string(),
            groups,
        }
    }

    /// Whether the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

/// One line of a token file: a bearer token and the user it names.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticToken {
    /// The secret (never printed: `Debug` hides it).
    pub token: String,
    /// User name.
    pub user: String,
    /// User id.
    pub uid: String,
    /// Groups (without `system:authenticated`).
    pub groups: Vec<String>,
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticToken")
            .field("token", &"<hidden>")
            .field("user", &self.user)
            .field("uid", &self.uid)
            .field("groups", &self.groups)
            .finish()
    }
}

/// Splits one CSV record (RFC 4180 quoting, as Go's `encoding/csv`); `None` when a quote
/// is left open or stray.
fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut at_start = true;
    loop {
        if at_start && chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => break,
                    c => field.push(c),
                }
            }
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    return Some(fields);
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    at_start = true;
                    continue;
                }
                Some(_) => return None,
            }
        }
        at_start = false;
        match chars.next() {
            None => {
                fields.push(field);
                return Some(fields);
            }
            Some(',') => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            Some('"') => return None,
            Some(c) => field.push(c),
        }
    }
}

/// Parses a token file as kube-apiserver's `tokenfile` authenticator does: each record has
/// at least `token,user,uid`, a fourth column lists groups separated by commas; records
/// with an empty token are skipped, a later duplicate token wins. Errors name the line.
pub fn parse_token_file(text: &str) -> Result<Vec<StaticToken>, String> {
    let mut out: Vec<StaticToken> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = csv_fields(line)
            .ok_or_else(|| format!("token file line {}: bad quoting in {line:?}", i + 1))?;
        if fields.len() < 3 {
            return Err(format!(
                "token file line {} must have at least 3 columns (token, user name, user uid), found {}",
                i + 1,
                fields.len()
            ));
        }
        if fields[0].is_empty() {
            continue;
        }
        let groups = fields
            .get(3)
            .map(|g| {
                g.split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let entry = StaticToken {
            token: fields[0].clone(),
            user: fields[1].clone(),
            uid: fields[2].clone(),
            groups,
        };
        out.retain(|t| t.token != entry.token);
        out.push(entry);
    }
    Ok(out)
}

/// The identity a TLS connection's verified client certificate carries (`None` without
/// one). Attached to every request of the connection by axum's connect info.
#[derive(Debug, Clone, Default)]
pub struct ClientIdentity(pub Option<Arc<UserInfo>>);

/// Reads user (CN) and groups (O) from a DER certificate.
pub fn identity_of_certificate(der: &[u8]) -> Option<UserInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let subject = cert.subject();
    let name = subject
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())?
        .to_string();
    let groups: Vec<String> = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok().map(str::to_string))
        .collect();
    Some(UserInfo::authenticated(&name, "", &groups))
}

impl
    axum::extract::connect_info::Connected<
        axum::serve::IncomingStream<'_, crate::apiserver::tls::TlsListener>,
    > for ClientIdentity
{
    fn connect_info(
        stream: axum::serve::IncomingStream<'_, crate::apiserver::tls::TlsListener>,
    ) -> Self {
        let (_, conn) = stream.io().get_ref();
        let user = conn
            .peer_certificates()
            .and_then(|certs| certs.first())
            .and_then(|leaf| identity_of_certificate(leaf.as_ref()));
        ClientIdentity(user.map(Arc::new))
    }
}

impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for ClientIdentity
{
    fn connect_info(_: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        ClientIdentity(None)
    }
}

/// The `401 Unauthorized` Status kube-apiserver answers.
pub fn unauthorized() -> ApiError {
    ApiError {
        code: 401,
        reason: "Unauthorized",
        message: "Unauthorized".to_string(),
        details: None,
        retry_after: None,
    }
}

/// Who sent a request: a bearer token from `tokens`, else one `account_token` knows (a
/// ServiceAccount's), wins over the client certificate; a wrong token is refused even with a
/// certificate (as upstream's union authenticator with a failing token: 401). Without
/// credentials: the `insecure` user (plain HTTP, like the old insecure port) or 401.
pub fn authenticate(
    tokens: &[StaticToken],
    account_token: &dyn Fn(&str) -> Option<UserInfo>,
    headers: &HeaderMap,
    client: Option<&UserInfo>,
    insecure: Option<&UserInfo>,
) -> Result<UserInfo, ApiError> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty());
    if let Some(token) = bearer {
        if let Some(t) = tokens.iter().find(|t| constant_time_eq(&t.token, token)) {
            return Ok(UserInfo::authenticated(&t.user, &t.uid, &t.groups));
        }
        if let Some(account) = account_token(token) {
            return Ok(account);
        }
        if client.is_none() {
            return Err(unauthorized());
        }
    }
    if let Some(u) = client {
        return Ok(u.clone());
    }
    insecure.cloned().ok_or_else(unauthorized)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn token_files_parse_as_upstream() {
        let t = parse_token_file(
            "# comment\nabc,alice,1\ndef,bob,2,\"dev,ops\"\n,nobody,3\nabc,carol,4\n",
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].user, "bob");
        assert_eq!(t[0].groups, vec!["dev", "ops"]);
        assert_eq!(t[1].user, "carol", "a later duplicate token wins");
        let err = parse_token_file("ok,a,1\nonly,two\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("found 2"), "{err}");
        assert!(parse_token_file("\"open,a,1").is_err());
        assert!(format!("{:?}", t[0]).contains("<hidden>"));
        assert!(!format!("{:?}", t[0]).contains("def"));
    }

    #[test]
    fn tokens_and_certificates_authenticate() {
        let tokens = parse_token_file("sekrit,alice,u1,\"dev\"").unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(
            authenticate(&tokens, &|_| None, &h, None, None)
                .unwrap_err()
                .code,
            401
        );
        h.insert("authorization", "Bearer sekrit".parse().unwrap());
        let u = authenticate(&tokens, &|_| None, &h, None, None).unwrap();
        assert_eq!(u.name, "alice");
        assert_eq!(u.groups, vec!["dev", AUTHENTICATED]);
        h.insert("authorization", "Bearer wrong".parse().unwrap());
        let e = authenticate(&tokens, &|_| None, &h, None, None).unwrap_err();
        assert_eq!(e.to_status()["reason"], "Unauthorized");

        let ca = crate::apiserver::tls::Authority::generate().unwrap();
        // rcgen keeps one value per attribute type, so a certificate carries one group.
        let cert = ca.client("jane", &["ops"]).unwrap();
        use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer};
        let der = CertificateDer::from_pem_slice(cert.cert_pem.as_bytes()).unwrap();
        let jane = identity_of_certificate(der.as_ref()).unwrap();
        assert_eq!(jane.name, "jane");
        assert_eq!(jane.groups, vec!["ops", AUTHENTICATED]);
        assert_eq!(
            authenticate(&tokens, &|_| None, &HeaderMap::new(), Some(&jane), None)
                .unwrap()
                .name,
            "jane"
        );
        assert!(identity_of_certificate(b"not a certificate").is_none());
    }

    proptest! {
        #[test]
        fn token_file_parsing_never_panics(text in "(?s).{0,200}") {
            let _ = parse_token_file(&text);
        }

        #[test]
        fn quoted_fields_round_trip(fields in proptest::collection::vec("[^\n\r]{0,12}", 1..5)) {
            let line: Vec<String> = fields
                .iter()
                .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
                .collect();
            prop_assert_eq!(csv_fields(&line.join(",")), Some(fields));
        }

        #[test]
        fn certificate_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = identity_of_certificate(&bytes);
        }
    }
}
