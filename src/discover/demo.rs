//! A DEMO Teleport proxy, for trying wi-aws (and testing it) without a cluster: HTTPS with a
//! generated CA → intermediate(s) → leaf chain, `/webapi/ping`, `/webapi/thumbprint`, the
//! Workload Identity discovery document and JWKS, the SPIFFE bundle of its own SPIFFE CA, and
//! endpoints that issue JWT and X.509 SVIDs.
//! It is not Teleport and grants nothing; every answer says so in an `X-Wi-Aws-Demo` header.
//!
//! Options make deliberately broken variants for the tests: other chain shapes, a wrong
//! issuer, missing endpoints, oversized or looping answers.

use crate::domain::jwt_svid::{self, Issuer};
use crate::routes::roles_anywhere::x509::{SimulatedSpiffeCa, spiffe_bundle_document};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const DEMO_CLUSTER_NAME: &str = "demo.wi-aws.invalid";
pub const DEMO_VERSION: &str = "18.3.0";
/// How long a connection may stay open; a stalled client does not hold a task forever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REQUEST_HEAD: usize = 16 * 1024;

#[derive(Debug, Error)]
pub enum DemoError {
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot generate the demo certificates: {0}")]
    Certificates(String),
    #[error("{0}")]
    Issuer(#[from] jwt_svid::IssuerError),
    #[error("TLS setup: {0}")]
    Tls(String),
}

/// How the demo proxy behaves. `Default` is a healthy Teleport 17 cluster.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub cluster_name: String,
    pub server_version: String,
    /// Intermediate CAs between the root and the leaf: the chain sent is the leaf plus these.
    pub intermediates: usize,
    /// Also send the root CA (some servers do; AWS then pins the root).
    pub send_root: bool,
    /// Issuer URL in the discovery document and tokens, instead of `https://<address>/workload-identity`.
    pub issuer_override: Option<String>,
    /// What `/webapi/thumbprint` answers.
    pub teleport_thumbprint: TeleportThumbprint,
    /// Paths that answer 404.
    pub missing: Vec<String>,
    /// `/webapi/ping` answers with this many bytes of padding.
    pub ping_padding: usize,
    /// `/webapi/ping` redirects to itself.
    pub redirect_loop: bool,
    /// `/webapi/ping` redirects to this URL (another host, say).
    pub ping_redirect: Option<String>,
    /// Held before each connection's handshake and each answer: a proxy one network round
    /// trip of this length away, to time what a client does in sequence.
    pub latency: std::time::Duration,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            cluster_name: DEMO_CLUSTER_NAME.to_owned(),
            server_version: DEMO_VERSION.to_owned(),
            intermediates: 1,
            send_root: false,
            issuer_override: None,
            teleport_thumbprint: TeleportThumbprint::LastSent,
            missing: Vec::new(),
            ping_padding: 0,
            redirect_loop: false,
            ping_redirect: None,
            latency: std::time::Duration::ZERO,
        }
    }
}

/// What the demo's `/webapi/thumbprint` computes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeleportThumbprint {
    /// The last certificate sent, as Teleport does.
    LastSent,
    /// The leaf: what a proxy behind a misconfigured load balancer may appear to report.
    Leaf,
    Fixed(String),
}

/// The generated PKI: the root to trust and the chain to serve.
pub struct DemoPki {
    pub root_pem: String,
    pub root_der: CertificateDer<'static>,
    /// Leaf first, then intermediates from the leaf's issuer up.
    pub chain: Vec<CertificateDer<'static>>,
    leaf_key: PrivateKeyDer<'static>,
}

fn ca_params(name: &str) -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "wi-aws demo (not Teleport)");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

impl DemoPki {
    /// A root CA, `intermediates` intermediate CAs and a leaf for `hosts` (DNS names or IPs).
    pub fn generate(hosts: &[String], intermediates: usize) -> Result<Self, DemoError> {
        let failed = |error: rcgen::Error| DemoError::Certificates(error.to_string());
        let root = CertifiedIssuer::self_signed(
            ca_params("wi-aws demo root CA").map_err(failed)?,
            KeyPair::generate().map_err(failed)?,
        )
        .map_err(failed)?;
        let mut issuers = vec![root];
        for level in 1..=intermediates {
            let params =
                ca_params(&format!("wi-aws demo intermediate CA {level}")).map_err(failed)?;
            let parent = issuers
                .last()
                .ok_or_else(|| DemoError::Certificates("no parent CA".into()))?;
            let issuer =
                CertifiedIssuer::signed_by(params, KeyPair::generate().map_err(failed)?, parent)
                    .map_err(failed)?;
            issuers.push(issuer);
        }
        let mut leaf_params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "wi-aws demo proxy");
        for host in hosts {
            let san = match host.parse::<std::net::IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName(host.clone().try_into().map_err(failed)?),
            };
            leaf_params.subject_alt_names.push(san);
        }
        let leaf_key = KeyPair::generate().map_err(failed)?;
        let parent = issuers
            .last()
            .ok_or_else(|| DemoError::Certificates("no parent CA".into()))?;
        let leaf = leaf_params.signed_by(&leaf_key, parent).map_err(failed)?;
        let mut chain = vec![leaf.der().clone()];
        chain.extend(issuers[1..].iter().rev().map(|issuer| issuer.der().clone()));
        Ok(Self {
            root_pem: issuers[0].pem(),
            root_der: issuers[0].der().clone(),
            chain,
            leaf_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        })
    }
}

/// A running demo proxy.
pub struct DemoProxy {
    pub address: SocketAddr,
    /// The root CA to trust (`--ca-file`).
    pub ca_pem: String,
    /// The chain served, leaf first (with the root when `send_root`).
    pub served_chain: Vec<CertificateDer<'static>>,
    pub issuer: Arc<Issuer>,
    /// The cluster's SPIFFE CA: its bundle at `/webapi/spiffe/bundle.json`, its X.509 SVIDs at
    /// `/demo/x509-svid`.
    pub spiffe_ca: Arc<SimulatedSpiffeCa>,
    task: JoinHandle<()>,
}

impl DemoProxy {
    /// `host:port` clients use: the address it listens on.
    pub fn authority(&self) -> String {
        self.address.to_string()
    }

    pub fn stop(self) {
        self.task.abort();
    }

    /// Binds `listen` (port 0 picks a free port) and serves until stopped.
    pub async fn start(listen: SocketAddr, options: DemoOptions) -> Result<Self, DemoError> {
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|source| DemoError::Listen {
                address: listen,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| DemoError::Listen {
            address: listen,
            source,
        })?;
        let hosts = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
            address.ip().to_string(),
        ];
        let pki = DemoPki::generate(&hosts, options.intermediates)?;
        let mut served_chain = pki.chain.clone();
        if options.send_root {
            served_chain.push(pki.root_der.clone());
        }
        let issuer_url = options
            .issuer_override
            .clone()
            .unwrap_or_else(|| format!("https://{address}/workload-identity"));
        let issuer = Arc::new(Issuer::generate(&issuer_url)?);
        let spiffe_ca = Arc::new(
            SimulatedSpiffeCa::generate(&options.cluster_name, std::time::SystemTime::now())
                .map_err(|error| DemoError::Certificates(error.to_string()))?,
        );
        let thumbprint = match &options.teleport_thumbprint {
            TeleportThumbprint::LastSent => {
                crate::domain::thumbprint::of_chain(&served_chain).unwrap_or_default()
            }
            TeleportThumbprint::Leaf => {
                crate::domain::thumbprint::of_chain(&served_chain[..1]).unwrap_or_default()
            }
            TeleportThumbprint::Fixed(value) => value.clone(),
        };

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| DemoError::Tls(error.to_string()))?
            .with_no_client_auth()
            .with_single_cert(served_chain.clone(), pki.leaf_key.clone_key())
            .map_err(|error| DemoError::Tls(error.to_string()))?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let state = Arc::new(State {
            options,
            authority: address.to_string(),
            issuer: issuer.clone(),
            spiffe_ca: spiffe_ca.clone(),
            thumbprint,
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let state = state.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(
                        REQUEST_TIMEOUT,
                        serve_connection(acceptor, tcp, state),
                    )
                    .await;
                });
            }
        });
        Ok(Self {
            address,
            ca_pem: pki.root_pem,
            served_chain,
            issuer,
            spiffe_ca,
            task,
        })
    }
}

struct State {
    options: DemoOptions,
    authority: String,
    issuer: Arc<Issuer>,
    spiffe_ca: Arc<SimulatedSpiffeCa>,
    thumbprint: String,
}

struct Response {
    status: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    location: Option<String>,
}

impl Response {
    fn json(value: serde_json::Value) -> Self {
        Self {
            status: "200 OK",
            content_type: "application/json",
            body: value.to_string().into_bytes(),
            location: None,
        }
    }

    fn not_found() -> Self {
        Self {
            status: "404 Not Found",
            content_type: "application/json",
            body: br#"{"error":{"message":"not found"}}"#.to_vec(),
            location: None,
        }
    }

    fn bad_request(message: &str) -> Self {
        Self {
            status: "400 Bad Request",
            content_type: "text/plain",
            body: message.as_bytes().to_vec(),
            location: None,
        }
    }
}

async fn serve_connection(
    acceptor: tokio_rustls::TlsAcceptor,
    tcp: tokio::net::TcpStream,
    state: Arc<State>,
) -> std::io::Result<()> {
    tcp.set_nodelay(true)?;
    let latency = state.options.latency;
    hold(latency).await;
    let mut stream = acceptor.accept(tcp).await?;
    let mut pending = Vec::new();
    let mut buffer = [0u8; 2048];
    // Keep-alive, as Teleport's proxy: requests are GETs without bodies, one after another.
    loop {
        let end = loop {
            if let Some(position) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                break position + 4;
            }
            let read = stream.read(&mut buffer).await?;
            if read == 0 || pending.len() > MAX_REQUEST_HEAD {
                return stream.shutdown().await;
            }
            pending.extend_from_slice(&buffer[..read]);
        };
        let head: Vec<u8> = pending.drain(..end).collect();
        let request_line = String::from_utf8_lossy(&head)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut parts = request_line.split_whitespace();
        let response = match (parts.next(), parts.next()) {
            (Some("GET"), Some(target)) => route(&state, target),
            _ => Response::bad_request("only GET is served"),
        };
        let mut message = format!(
            "HTTP/1.1 {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nx-wi-aws-demo: true\r\n",
            response.status,
            response.content_type,
            response.body.len()
        );
        if let Some(location) = &response.location {
            message.push_str(&format!("location: {location}\r\n"));
        }
        message.push_str("\r\n");
        // One write per response: a head and body written apart would wait on delayed ACKs.
        let mut bytes = message.into_bytes();
        bytes.extend_from_slice(&response.body);
        hold(latency).await;
        stream.write_all(&bytes).await?;
        stream.flush().await?;
    }
}

/// Waits `latency`; without one, not even a timer tick (tokio rounds a zero sleep up to its
/// next millisecond, which would show in every benchmark against the demo).
async fn hold(latency: Duration) {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
}

fn route(state: &State, target: &str) -> Response {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if state.options.missing.iter().any(|missing| missing == path) {
        return Response::not_found();
    }
    match path {
        "/webapi/ping" if state.options.redirect_loop => Response {
            status: "302 Found",
            content_type: "text/plain",
            body: Vec::new(),
            location: Some(format!("https://{}/webapi/ping", state.authority)),
        },
        "/webapi/ping" if state.options.ping_redirect.is_some() => Response {
            status: "302 Found",
            content_type: "text/plain",
            body: Vec::new(),
            location: state.options.ping_redirect.clone(),
        },
        "/webapi/ping" => Response::json(json!({
            "cluster_name": state.options.cluster_name,
            "server_version": state.options.server_version,
            "proxy": { "ssh": { "public_addr": state.authority } },
            "demo": "wi-aws demo proxy: not a Teleport cluster",
            "padding": "x".repeat(state.options.ping_padding),
        })),
        "/webapi/thumbprint" => Response::json(json!(state.thumbprint)),
        "/webapi/spiffe/bundle.json" => {
            Response::json(spiffe_bundle_document(&[state.spiffe_ca.certificate_der()]))
        }
        _ => route_issuer(state, path, query),
    }
}

fn route_issuer(state: &State, path: &str, query: &str) -> Response {
    let issuer_path = "/workload-identity";
    match path.strip_prefix(issuer_path) {
        Some(jwt_svid::DISCOVERY_PATH) => {
            let mut document = state.issuer.discovery_document();
            // The JWKS stays where this server serves it, even when the issuer is overridden.
            document["jwks_uri"] = json!(format!(
                "https://{}{issuer_path}{}",
                state.authority,
                jwt_svid::JWKS_PATH
            ));
            Response::json(document)
        }
        Some(jwt_svid::JWKS_PATH) => match serde_json::to_value(state.issuer.jwks()) {
            Ok(jwks) => Response::json(jwks),
            Err(error) => Response::bad_request(&error.to_string()),
        },
        _ if path == "/demo/jwt-svid" => issue_from_query(state, query),
        _ if path == "/demo/x509-svid" => issue_x509_from_query(state, query),
        _ => Response::not_found(),
    }
}

/// The value of `name` in a query string, decoded.
fn query_value(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
}

/// The SPIFFE ID of the query's `?path=`, in the demo cluster's trust domain.
fn queried_spiffe_id(
    state: &State,
    query: &str,
) -> Result<crate::domain::spiffe::SpiffeId, Response> {
    let Some(path) = query_value(query, "path") else {
        return Err(Response::bad_request("give ?path=/svc/example-service"));
    };
    crate::domain::spiffe::SpiffeId::for_workload(&state.options.cluster_name, &path)
        .map_err(|error| Response::bad_request(&error.to_string()))
}

/// `GET /demo/x509-svid?path=/svc/x&ttl=3600`: an X.509 SVID and its key (PEM, certificate
/// first), as tbot's `workload-identity-x509` output writes them for that SPIFFE path.
fn issue_x509_from_query(state: &State, query: &str) -> Response {
    let spiffe_id = match queried_spiffe_id(state, query) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let ttl = query_value(query, "ttl")
        .and_then(|t| t.parse().ok())
        .unwrap_or(3600);
    match state.spiffe_ca.issue(
        &spiffe_id.to_string(),
        std::time::SystemTime::now(),
        Duration::from_secs(ttl),
    ) {
        Ok(svid) => Response {
            status: "200 OK",
            content_type: "application/x-pem-file",
            body: format!("{}{}", svid.certificate_pem, svid.private_key_pem).into_bytes(),
            location: None,
        },
        Err(error) => Response::bad_request(&error.to_string()),
    }
}

/// `GET /demo/jwt-svid?path=/svc/x&audience=sts.amazonaws.com&ttl=3600`: what tbot would
/// write to disk for that SPIFFE path.
fn issue_from_query(state: &State, query: &str) -> Response {
    let value = |name: &str| query_value(query, name);
    let spiffe_id = match queried_spiffe_id(state, query) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let audience = value("audience").unwrap_or_else(|| "sts.amazonaws.com".to_owned());
    let ttl = value("ttl").and_then(|t| t.parse().ok()).unwrap_or(3600);
    match state
        .issuer
        .issue(&spiffe_id.to_string(), &audience, Duration::from_secs(ttl))
    {
        Ok(token) => Response {
            status: "200 OK",
            content_type: "application/jwt",
            body: token.into_bytes(),
            location: None,
        },
        Err(error) => Response::bad_request(&error.to_string()),
    }
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let decoded = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(if bytes[index] == b'+' {
                    b' '
                } else {
                    bytes[index]
                });
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A demo proxy running on a runtime of its own, for callers that are not async (the wizard's
/// `--demo`), with its CA in a temporary file to trust.
pub struct DemoSession {
    pub proxy: DemoProxy,
    pub ca_file: tempfile::NamedTempFile,
    _runtime: tokio::runtime::Runtime,
}

impl DemoSession {
    pub fn start(options: DemoOptions) -> Result<Self, DemoError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|error| DemoError::Tls(format!("cannot start the async runtime: {error}")))?;
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let proxy = runtime.block_on(DemoProxy::start(loopback, options))?;
        let mut ca_file = tempfile::Builder::new()
            .prefix("wi-aws-demo-ca-")
            .suffix(".pem")
            .tempfile()
            .map_err(|error| DemoError::Tls(format!("cannot write the demo CA: {error}")))?;
        std::io::Write::write_all(&mut ca_file, proxy.ca_pem.as_bytes())
            .map_err(|error| DemoError::Tls(format!("cannot write the demo CA: {error}")))?;
        Ok(Self {
            proxy,
            ca_file,
            _runtime: runtime,
        })
    }

    /// Fills the answers a demo run cannot discover with the guide's example values (the
    /// user's own answers stay), so every question of a demo has a working default.
    pub fn prefill(&self, answers: &mut crate::answers::Answers) {
        use crate::answers::steps::FieldId;
        for (id, value) in [
            (FieldId::Proxy, self.proxy.authority()),
            (FieldId::SpiffePath, "/svc/example-service".to_owned()),
            (FieldId::AccountId, "123456789012".to_owned()),
            (FieldId::Bucket, "workload-id-demo".to_owned()),
            (FieldId::Bot, "my-bot".to_owned()),
        ] {
            if answers.text(id).is_none() {
                answers.set_text(id, value);
            }
        }
    }
}

/// In the demo, the ARNs a real apply would assign on the Roles Anywhere route, simulated as
/// main.tf's evaluation simulates them (from each resource's name), so the demo's files verify:
/// the trust anchor's at the top, each workload's profile in its own answers (workloads of one
/// profile get the same). What it filled, to say; `None` when nothing was missing or the
/// answers do not validate.
pub fn simulate_apply(fleet: &mut crate::answers::FleetAnswers) -> Option<String> {
    use crate::answers::steps::FieldId;
    let checked = crate::answers::fleet::validate(fleet).ok()?;
    let shared = checked.shared();
    let ra = shared.roles_anywhere.as_ref()?;
    let place = format!(
        "arn:{}:rolesanywhere:{}:{}",
        shared.aws.partition.id(),
        shared.aws.region,
        shared.aws.account_id
    );
    let simulated = crate::verify::terraform::simulated_id;
    let mut filled = Vec::new();
    if ra.trust_anchor_arn.is_none() {
        let name = ra.trust_anchor_name.as_deref().unwrap_or_default();
        let arn = format!("{place}:trust-anchor/{}", simulated("trust-anchor", name));
        fleet.shared.set_text(FieldId::TrustAnchorArn, arn.clone());
        filled.push(arn);
    }
    for (index, workload) in checked.workloads.iter().enumerate() {
        let Some(ra) = workload.plan.roles_anywhere.as_ref() else {
            continue;
        };
        if ra.profile_arn.is_some() {
            continue;
        }
        let arn = format!("{place}:profile/{}", simulated("profile", &ra.profile_name));
        let answers = match fleet.form {
            crate::answers::Form::Single => &mut fleet.shared,
            crate::answers::Form::Fleet => &mut fleet.workloads[index].answers,
        };
        answers.set_text(FieldId::RaProfileArn, arn.clone());
        if !filled.contains(&arn) {
            filled.push(arn);
        }
    }
    (!filled.is_empty()).then(|| {
        format!(
            "DEMO: the ARNs a real apply would assign are simulated: {}",
            filled.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query_values() {
        assert_eq!(percent_decode("%2Fsvc%2Fx"), "/svc/x");
        assert_eq!(percent_decode("a+b%"), "a b%");
    }

    #[test]
    fn chains_have_the_requested_shape() {
        for intermediates in 0..=2 {
            let pki = DemoPki::generate(&["localhost".into()], intermediates).expect("pki");
            assert_eq!(pki.chain.len(), intermediates + 1);
        }
    }
}
