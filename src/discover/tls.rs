//! The TLS side of discovery: which CAs to trust, and a handshake that records the exact chain
//! the server sends (AWS pins the last certificate of it) together with whether it is trusted.

use super::DiscoverError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Why a certificate chain is not accepted, in the terms that matter for AWS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustProblem {
    /// Signed by a CA this machine does not trust (a private CA, or a missing intermediate).
    Untrusted,
    Expired,
    /// Valid, but for other host names.
    WrongHost,
    Other(String),
}

impl TrustProblem {
    fn from_error(error: &rustls::Error) -> Self {
        match error {
            rustls::Error::InvalidCertificate(problem) => match problem {
                CertificateError::UnknownIssuer | CertificateError::BadSignature => Self::Untrusted,
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    Self::Expired
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => Self::WrongHost,
                other => Self::Other(in_words(&format!("{other:?}"))),
            },
            other => Self::Other(other.to_string()),
        }
    }

    /// One sentence: what is wrong, and what it means for AWS.
    pub fn explain(&self) -> String {
        match self {
            Self::Untrusted => "the certificate chain does not lead to a CA this machine trusts (a private CA?). AWS trusts such a proxy only through the OIDC provider's thumbprint; pass --ca-file with your CA to check it here".into(),
            Self::Expired => "the certificate has expired: AWS cannot fetch the JWKS and STS answers \"Couldn't retrieve verification key from your identity provider\"".into(),
            Self::WrongHost => "the certificate is not valid for this host name: AWS cannot fetch the JWKS from it and STS answers \"Couldn't retrieve verification key from your identity provider\"".into(),
            Self::Other(detail) => format!("the certificate is not accepted ({detail}); AWS will likely refuse it too"),
        }
    }
}

/// A verifier's error name (`Other(OtherError(CaUsedAsEndEntity))`) in words: "CA used as
/// end entity". The verifiers report such problems only by name.
fn in_words(debug: &str) -> String {
    let name = debug
        .trim_end_matches(')')
        .rsplit('(')
        .next()
        .unwrap_or(debug)
        .split([' ', '{'])
        .next()
        .unwrap_or_default();
    let mut words = String::new();
    for (index, c) in name.char_indices() {
        if c.is_uppercase() && index > 0 {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    words.replace("ca ", "CA ").replace(" ca", " CA")
}

/// The CAs to trust — this machine's, plus those of `--ca-file` — shared by the raw handshake
/// and the HTTP client, so both judge a certificate the same way.
#[derive(Debug, Clone)]
pub struct Trust {
    pub config: Arc<ClientConfig>,
    verifier: Arc<dyn ServerCertVerifier>,
}

impl Trust {
    pub fn load(ca_file: Option<&Path>) -> Result<Self, DiscoverError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let extra_roots: Vec<CertificateDer<'static>> = match ca_file {
            None => Vec::new(),
            Some(path) => {
                let pem =
                    crate::artifacts::files::read_bounded(path, crate::artifacts::files::CA_LIMIT)
                        .map_err(|error| DiscoverError::CaFile {
                            path: path.display().to_string(),
                            detail: error.problem.to_string(),
                        })?;
                let roots = CertificateDer::pem_slice_iter(&pem)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|error| DiscoverError::CaFile {
                        path: path.display().to_string(),
                        detail: error.to_string(),
                    })?;
                if roots.is_empty() {
                    return Err(DiscoverError::CaFile {
                        path: path.display().to_string(),
                        detail: "no PEM certificate in it".into(),
                    });
                }
                roots
            }
        };
        let verifier: Arc<dyn ServerCertVerifier> = Arc::new(
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
                .map_err(|error| {
                    DiscoverError::Internal(format!("cannot load the trusted CAs: {error}"))
                })?,
        );
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| DiscoverError::Internal(error.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        Ok(Self {
            config: Arc::new(config),
            verifier,
        })
    }
}

/// Delegates every check to the real verifier but, instead of failing the handshake, records
/// the verdict: a chain from a private CA is exactly the case where the thumbprint matters, so
/// it must still be read. Nothing is sent over such a connection.
#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    verdict: Mutex<Option<rustls::Error>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if let (Err(error), Ok(mut verdict)) = (result, self.verdict.lock()) {
            *verdict = Some(error);
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// What one TLS handshake showed.
#[derive(Debug, Clone)]
pub struct Handshake {
    /// DER of every certificate the server sent, in the order sent (leaf first).
    pub chain: Vec<Vec<u8>>,
    pub trust: Result<(), TrustProblem>,
}

/// Connects to `host:port`, completes a TLS handshake and returns the chain. Every step is
/// bounded by `timeout`.
pub async fn handshake(
    trust: &Trust,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Handshake, DiscoverError> {
    let address = format!("{host}:{port}");
    let addresses: Vec<_> =
        tokio::time::timeout(timeout, tokio::net::lookup_host(address.as_str()))
            .await
            .map_err(|_| DiscoverError::Timeout {
                what: format!("resolving {host}"),
                after: timeout,
            })?
            .map_err(|error| DiscoverError::Dns {
                host: host.to_owned(),
                detail: error.to_string(),
            })?
            .collect();
    let first = *addresses.first().ok_or_else(|| DiscoverError::Dns {
        host: host.to_owned(),
        detail: "no address".into(),
    })?;
    let tcp = tokio::time::timeout(timeout, TcpStream::connect(first))
        .await
        .map_err(|_| DiscoverError::Timeout {
            what: format!("connecting to {address}"),
            after: timeout,
        })?
        .map_err(|error| DiscoverError::Connect {
            address: address.clone(),
            detail: error,
        })?;

    let recorder = Arc::new(RecordingVerifier {
        inner: trust.verifier.clone(),
        verdict: Mutex::new(None),
    });
    let mut probe_config = (*trust.config).clone();
    probe_config
        .dangerous()
        .set_certificate_verifier(recorder.clone());
    let server_name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
        .map_err(|error| DiscoverError::Internal(format!("{host}: {error}")))?;
    let stream = tokio::time::timeout(
        timeout,
        TlsConnector::from(Arc::new(probe_config)).connect(server_name, tcp),
    )
    .await
    .map_err(|_| DiscoverError::Timeout {
        what: format!("TLS handshake with {address}"),
        after: timeout,
    })?
    .map_err(|error| DiscoverError::Handshake {
        address: address.clone(),
        detail: error.to_string(),
    })?;
    let chain = stream
        .get_ref()
        .1
        .peer_certificates()
        .map(|certs| certs.iter().map(|c| c.to_vec()).collect())
        .unwrap_or_default();
    let verdict = recorder.verdict.lock().ok().and_then(|mut v| v.take());
    Ok(Handshake {
        chain,
        trust: match verdict {
            None => Ok(()),
            Some(error) => Err(TrustProblem::from_error(&error)),
        },
    })
}

/// Subject and validity of a certificate, for explaining which one a thumbprint pins.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
    pub is_ca: bool,
    pub self_signed: bool,
    pub thumbprint: String,
}

pub fn summarize(der: &[u8]) -> CertificateSummary {
    let thumbprint = crate::domain::thumbprint::of_certificate(der);
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => CertificateSummary {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_after: cert.validity().not_after.to_string(),
            is_ca: cert.is_ca(),
            self_signed: cert.subject() == cert.issuer(),
            thumbprint,
        },
        Err(error) => CertificateSummary {
            subject: format!("(unparsable certificate: {error})"),
            issuer: String::new(),
            not_after: String::new(),
            is_ca: false,
            self_signed: false,
            thumbprint,
        },
    }
}

/// Where AWS's thumbprint pins, in words: "the root CA", "an intermediate CA", "the leaf".
pub fn role_in_chain(summary: &CertificateSummary, index: usize) -> &'static str {
    match (index, summary.is_ca, summary.self_signed) {
        (0, false, _) => "the server's own certificate",
        (_, true, true) => "a root CA",
        (_, true, false) => "an intermediate CA",
        _ => "a certificate",
    }
}

/// The public key (SubjectPublicKeyInfo, DER) of each root in this machine's system trust store
/// (`SSL_CERT_FILE` and `SSL_CERT_DIR` when set): the CAs of public TLS. Read to tell a public
/// CA offered as a trust anchor; a store that cannot be read gives none.
pub fn public_root_keys() -> Vec<Vec<u8>> {
    let found = rustls_native_certs::load_native_certs();
    found
        .certs
        .iter()
        .filter_map(|root| crate::routes::roles_anywhere::x509::public_key_info(root.as_ref()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_errors_are_said_in_words() {
        assert_eq!(
            in_words("Other(OtherError(CaUsedAsEndEntity))"),
            "CA used as end entity"
        );
        assert_eq!(in_words("NotValidYet"), "not valid yet");
        assert_eq!(in_words("ExpiredRevocationList"), "expired revocation list");
    }
}
