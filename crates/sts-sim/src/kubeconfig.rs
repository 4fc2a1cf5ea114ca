//! The kubeconfig sts-sim writes for its clients: one cluster, one user, one context
//! named `sts-sim` with namespace `default`.

use std::path::Path;

/// Name of the cluster, user and context written.
pub const CONTEXT: &str = "sts-sim";

/// Kubeconfig text for a server URL (plain HTTP, or HTTPS verified by the system's roots).
pub fn render(server: &str) -> String {
    render_with_ca(server, None)
}

/// Kubeconfig text for a server URL whose certificate `ca_pem` signed: written as
/// `certificate-authority-data`, so clients verify the server as on a real cluster.
pub fn render_with_ca(server: &str, ca_pem: Option<&str>) -> String {
    use base64::Engine;
    let ca = ca_pem
        .map(|pem| {
            format!(
                "\n    certificate-authority-data: {}",
                base64::engine::general_purpose::STANDARD.encode(pem)
            )
        })
        .unwrap_or_default();
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
  user: {{}}
preferences: {{}}
"
    )
}

/// Writes the kubeconfig atomically (a reader never sees half a file).
pub fn write(path: &Path, server: &str, ca_pem: Option<&str>) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, render_with_ca(server, ca_pem))?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_written_as_certificate_authority_data() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let text = render_with_ca("https://127.0.0.1:6443", Some(pem));
        let kc = kube::config::Kubeconfig::from_yaml(&text).unwrap();
        let cluster = kc.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(cluster.server.as_deref(), Some("https://127.0.0.1:6443"));
        use base64::Engine;
        let data = cluster.certificate_authority_data.as_deref().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        assert_eq!(decoded, pem.as_bytes());
        assert!(!render("http://127.0.0.1:1").contains("certificate-authority"));
    }
}
