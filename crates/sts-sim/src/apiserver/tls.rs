//! HTTPS for the simulated API server, as a kubeadm cluster has it: a cluster CA made at
//! start (kept in memory, so it can sign client certificates once authentication exists),
//! a serving certificate it signs for `127.0.0.1`, `::1`, `localhost` and the in-cluster
//! names of the `kubernetes` Service, and a TLS listener for axum.
//!
//! The CA certificate goes into the kubeconfig as `certificate-authority-data`, so kubectl,
//! kube-rs and the Python client verify the server as they do on a real cluster.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::rustls;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Names the serving certificate is valid for (upstream's apiserver certificate has the
/// same in-cluster names, plus the addresses a local client dials).
pub const SERVING_NAMES: &[&str] = &[
    "127.0.0.1",
    "::1",
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "10.96.0.1",
];

/// The cluster's certificate authority: its certificate and the key that signs with it.
pub struct Authority {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").finish_non_exhaustive()
    }
}

/// A certificate with its private key, both PEM.
#[derive(Clone)]
pub struct Signed {
    /// The certificate.
    pub cert_pem: String,
    /// Its private key (PKCS#8).
    pub key_pem: String,
    der: rustls::pki_types::CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl std::fmt::Debug for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signed")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

/// `not_before` one day back (clock skew) and `not_after` `days` ahead of today.
fn validity(params: &mut CertificateParams, days: i64) {
    let today = jiff::Zoned::now().date();
    let ymd = |d: jiff::civil::Date| {
        rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8)
    };
    if let (Ok(from), Ok(to)) = (
        today.checked_sub(jiff::Span::new().days(1)),
        today.checked_add(jiff::Span::new().days(days)),
    ) {
        params.not_before = ymd(from);
        params.not_after = ymd(to);
    }
}

impl Authority {
    /// A fresh CA (`CN=sts-sim-ca`, ECDSA P-256, ten years), like kubeadm's `kubernetes` CA.
    pub fn generate() -> anyhow::Result<Authority> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "sts-sim-ca");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        validity(&mut params, 3650);
        let key = KeyPair::generate().context("generating the CA key")?;
        let cert = params.self_signed(&key).context("self-signing the CA")?;
        Ok(Authority {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate (what `certificate-authority-data` holds, base64-encoded).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Signs a certificate for `common_name` valid for `names` (IP addresses or DNS names)
    /// with the given extended key usage, valid for one year.
    pub fn sign(
        &self,
        common_name: &str,
        names: &[&str],
        usage: ExtendedKeyUsagePurpose,
    ) -> anyhow::Result<Signed> {
        self.sign_with(common_name, &[], names, usage)
    }

    fn sign_with(
        &self,
        common_name: &str,
        organizations: &[&str],
        names: &[&str],
        usage: ExtendedKeyUsagePurpose,
    ) -> anyhow::Result<Signed> {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names)?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        for org in organizations {
            params
                .distinguished_name
                .push(DnType::OrganizationName, *org);
        }
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![usage];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params, 365);
        let key = KeyPair::generate().context("generating a key")?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .with_context(|| format!("signing the certificate of {common_name}"))?;
        Ok(Signed {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
            key_der: key.serialize_der(),
        })
    }

    /// A client certificate for `user` in `groups` (subject `CN=user, O=group...`, how
    /// kube-apiserver's x509 authenticator reads it), e.g. kubeadm's `kubernetes-admin` in
    /// `system:masters`. The server asks for it and reads the user from it (`authn`).
    pub fn client(&self, user: &str, groups: &[&str]) -> anyhow::Result<Signed> {
        self.sign_with(user, groups, &[], ExtendedKeyUsagePurpose::ClientAuth)
    }

    /// The API server's serving certificate ([`SERVING_NAMES`]).
    pub fn serving(&self) -> anyhow::Result<Signed> {
        self.sign(
            "kube-apiserver",
            SERVING_NAMES,
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }
}

/// A rustls server configuration serving `cert` alone (as kube-apiserver on kubeadm does:
/// clients hold the CA), HTTP/1.1 only (exec and watch need nothing else), with the ring
/// provider kube uses. With `client_ca`, it asks for client certificates signed by that CA
/// (as `--client-ca-file`) but lets clients without one in (they may send a token).
pub fn server_config(
    cert: &Signed,
    client_ca: Option<&Authority>,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_der.clone()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(
                CertificateDer::from_pem_slice(ca.cert_pem().as_bytes())
                    .context("reading the CA certificate")?,
            )?;
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()
            .context("building the client certificate verifier")?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(vec![cert.der.clone()], key)
        .context("building the TLS configuration")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Longest a client may take for its TLS handshake before the connection is dropped.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A TLS listener for [`axum::serve`]: accepts TCP connections and runs each handshake in a
/// task of its own, so a slow or bad client never holds up the others. Failed handshakes
/// (a plain-HTTP client, an unknown CA on the client's side) just close that connection.
pub struct TlsListener {
    handshaken: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    _acceptor_task: AbortOnDrop,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl TlsListener {
    /// Wraps a bound listener; must run inside a tokio runtime.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, rx) = mpsc::channel(64);
        let task = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(c) => c,
                    Err(_) => {
                        // Out of file descriptors and the like: back off as axum does.
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
                    {
                        let _ = tx.send((tls, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener {
            handshaken: rx,
            local,
            _acceptor_task: AbortOnDrop(task),
        })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.handshaken.recv().await {
            Some(conn) => conn,
            // The acceptor task only ends when aborted, which drops this listener first.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serving_certificate_chains_to_the_ca_for_every_local_name() {
        use rustls::client::danger::ServerCertVerifier;
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
        let ca = Authority::generate().unwrap();
        let serving = ca.serving().unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(ca.cert_pem().as_bytes()).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        let leaf = CertificateDer::from_pem_slice(serving.cert_pem.as_bytes()).unwrap();
        for name in ["127.0.0.1", "::1", "localhost", "kubernetes.default.svc"] {
            verifier
                .verify_server_cert(
                    &leaf,
                    &[],
                    &ServerName::try_from(name).unwrap(),
                    &[],
                    UnixTime::now(),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let wrong = verifier.verify_server_cert(
            &leaf,
            &[],
            &ServerName::try_from("example.com").unwrap(),
            &[],
            UnixTime::now(),
        );
        assert!(wrong.is_err(), "a name not in the SANs is refused");

        // Another cluster's CA does not vouch for this certificate.
        let other = Authority::generate().unwrap();
        let mut other_roots = rustls::RootCertStore::empty();
        other_roots
            .add(CertificateDer::from_pem_slice(other.cert_pem().as_bytes()).unwrap())
            .unwrap();
        let other_verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(other_roots),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .build()
        .unwrap();
        assert!(other_verifier
            .verify_server_cert(
                &leaf,
                &[],
                &ServerName::try_from("127.0.0.1").unwrap(),
                &[],
                UnixTime::now(),
            )
            .is_err());
        assert!(server_config(&serving, None).is_ok());
        assert!(server_config(&serving, Some(&ca)).is_ok());
    }

    #[test]
    fn the_ca_can_sign_client_certificates() {
        let ca = Authority::generate().unwrap();
        let client = ca.client("jane", &["dev", "ops"]).unwrap();
        assert!(client.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(client.key_pem.contains("PRIVATE KEY"));
    }
}
