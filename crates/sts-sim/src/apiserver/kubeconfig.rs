//! The kubeconfig sts-sim writes for its clients: one cluster, one user, one context
//! named `sts-sim` with namespace `default`. Over HTTPS it holds what kubeadm's
//! `admin.conf` holds: the cluster CA (`certificate-authority-data`) and an admin client
//! certificate signed by it (`client-certificate-data`, `client-key-data`).

use std::path::Path;

use base64::Engine;

/// Name of the cluster, user and context written.
pub const CONTEXT: &str = "sts-sim";

/// The TLS material of an HTTPS cluster's kubeconfig, all PEM.
#[derive(Debug, Clone, Copy)]
pub struct TlsFiles<'a> {
    /// The CA clients verify the server with.
    pub ca_pem: &'a str,
    /// The user's client certificate.
    pub client_cert_pem: &'a str,
    /// Its private key.
    pub client_key_pem: &'a str,
}

/// Kubeconfig text for a plain-HTTP server URL.
pub fn render(server: &str) -> String {
    render_with(server, None)
}

fn b64(pem: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(pem)
}

/// Kubeconfig text for a server URL, with the CA and client certificate of an HTTPS
/// cluster when given, so clients verify the server as on a real cluster.
pub fn render_with(server: &str, tls: Option<TlsFiles<'_>>) -> String {
    let (ca, user) = match tls {
        Some(t) => (
            format!("\n    certificate-authority-data: {}", b64(t.ca_pem)),
            format!(
                "\n    client-certificate-data: {}\n    client-key-data: {}",
                b64(t.client_cert_pem),
                b64(t.client_key_pem)
            ),
        ),
        None => (String::new(), " {}".to_string()),
    };
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: {CONTEXT}
  cluster:
    server: {server}{ca}
contexts:
- name: {CONTEXT}
  context:
    cluster: {CONTEXT}
    user: {CONTEXT}
    namespace: default
current-context: {CONTEXT}
users:
- name: {CONTEXT}
  user:{user}
preferences: {{}}
"
    )
}

/// Writes the kubeconfig atomically (a reader never sees half a file).
pub fn write(path: &Path, server: &str, tls: Option<TlsFiles<'_>>) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, render_with(server, tls))?;
    #[cfg(unix)]
    {
        // It holds a private key: owner-only, as kubeadm writes admin.conf.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(b64: Option<&str>) -> String {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.expect("field present"))
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn the_ca_and_client_certificate_are_written_as_data_fields() {
        let tls = TlsFiles {
            ca_pem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
            client_cert_pem: "-----BEGIN CERTIFICATE-----\nME\n-----END CERTIFICATE-----\n",
            client_key_pem: "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n",
        };
        let text = render_with("https://127.0.0.1:6443", Some(tls));
        let kc = kube::config::Kubeconfig::from_yaml(&text).unwrap();
        let cluster = kc.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(cluster.server.as_deref(), Some("https://127.0.0.1:6443"));
        assert_eq!(
            decoded(cluster.certificate_authority_data.as_deref()),
            tls.ca_pem
        );
        let user = kc.auth_infos[0].auth_info.as_ref().unwrap();
        assert_eq!(
            decoded(user.client_certificate_data.as_deref()),
            tls.client_cert_pem
        );
        assert_eq!(kc.current_context.as_deref(), Some(CONTEXT));

        let plain = kube::config::Kubeconfig::from_yaml(&render("http://127.0.0.1:1")).unwrap();
        let cluster = plain.clusters[0].cluster.as_ref().unwrap();
        assert!(cluster.certificate_authority_data.is_none());
    }
}
