//! Everything wi-aws can learn from a Teleport proxy before asking the user: the cluster name
//! (the SPIFFE trust domain), the version, the TLS thumbprint — both as Teleport computes it and
//! as AWS does from the raw chain — and whether the OIDC issuer and its JWKS are what AWS needs.

pub mod demo;
pub mod http;
pub mod tls;

use crate::answers::steps::FieldId;
use crate::answers::{Answer, Answers};
use crate::domain::jwk::Jwks;
use crate::domain::teleport::ProxyAddress;
use crate::verify::check::{Check, CheckId};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;
use tls::{CertificateSummary, TrustProblem};

/// Teleport issues JWT SVIDs from 16.4.3.
pub const MIN_VERSION: (u64, u64, u64) = (16, 4, 3);
/// The version Teleport's AWS guide asks for.
pub const RECOMMENDED_VERSION: (u64, u64, u64) = (16, 4, 6);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Far above any Teleport ping, discovery document or JWKS.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct Options {
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    pub max_body: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ca_file: None,
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

#[derive(Debug, Error)]
pub enum DiscoverError {
    #[error("cannot resolve {host}: {detail} (check the proxy address and this machine's DNS)")]
    Dns { host: String, detail: String },
    #[error(
        "cannot connect to {address}: {detail} (is the proxy running and reachable from here?)"
    )]
    Connect {
        address: String,
        detail: std::io::Error,
    },
    #[error("timed out after {}s {what} (raise --timeout, or check firewalls)", after.as_secs_f32())]
    Timeout { what: String, after: Duration },
    #[error("TLS handshake with {address} failed: {detail}")]
    Handshake { address: String, detail: String },
    #[error("{address}: {} (the last certificate it sends has thumbprint {chain_thumbprint})", problem.explain())]
    Untrusted {
        address: String,
        problem: TrustProblem,
        chain_thumbprint: String,
    },
    #[error("--ca-file {path}: {detail}")]
    CaFile { path: String, detail: String },
    #[error("GET {url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("GET {url}: 404 — {meaning}")]
    NotFound { url: String, meaning: &'static str },
    #[error("GET {url}: the answer is not the JSON expected ({detail}); it starts with {start:?}")]
    NotJson {
        url: String,
        detail: String,
        start: String,
    },
    #[error("GET {url}: the answer is larger than {limit} bytes; this is not a Teleport proxy")]
    BodyTooLarge { url: String, limit: usize },
    #[error("GET {url}: more than {limit} redirects")]
    Redirects { url: String, limit: usize },
    #[error(
        "GET {url} redirects to {to}, another host: wi-aws asks only the proxy you named, so that the cluster name, thumbprint and keys all come from it"
    )]
    CrossHostRedirect { url: String, to: String },
    #[error("GET {url}: {detail}")]
    Http { url: String, detail: String },
    #[error("the discovery document names jwks_uri {uri:?}, which is not an https:// URL")]
    BadJwksUri { uri: String },
    #[error("{0}")]
    Internal(String),
}

/// The part of `/webapi/ping` that matters here.
#[derive(Debug, Deserialize)]
struct Ping {
    cluster_name: String,
    server_version: String,
}

#[derive(Debug, Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    jwks_uri: String,
}

/// One key of the JWKS, and whether STS can verify a token with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySummary {
    pub kid: Option<String>,
    pub kty: String,
    pub alg: Option<String>,
    pub usable_by_sts: bool,
    /// Why STS cannot use it (too small, unknown curve, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Findings {
    pub proxy: String,
    pub cluster_name: String,
    pub server_version: String,
    /// Every certificate the proxy sent, leaf first.
    pub chain: Vec<CertificateSummary>,
    /// SHA-1 of the last certificate sent: what AWS pins.
    pub chain_thumbprint: String,
    /// What the proxy's `/webapi/thumbprint` says.
    pub teleport_thumbprint: String,
    pub issuer: String,
    pub jwks_uri: String,
    pub keys: Vec<KeySummary>,
    pub checks: Vec<Check>,
    /// The Teleport API generation `teleport.api: auto` picks for this cluster, and why.
    pub api: Option<String>,
    pub api_reason: String,
    /// The cluster's SPIFFE CA from its SPIFFE bundle, judged as a Roles Anywhere trust anchor.
    pub trust_anchor: TrustAnchorFindings,
}

/// What the proxy's SPIFFE bundle says of the cluster's X.509 authority.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrustAnchorFindings {
    /// Where it was read.
    pub url: String,
    /// The bundle's X.509 authorities as one PEM bundle: what a trust anchor of source
    /// `CERTIFICATE_BUNDLE` takes. `None` when the bundle could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pem: Option<String>,
    pub certificates: Vec<AnchorSummary>,
    /// Why there is no bundle to judge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// One CA certificate of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorSummary {
    pub subject: String,
    pub not_after: String,
    /// SHA-1 of the DER, as `openssl x509 -fingerprint -sha1` prints it (lowercase, no colons).
    pub sha1: String,
    /// Why Roles Anywhere would not take it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The command that prints the same CA from the cluster's side, to compare with the bundle.
pub const SPIFFE_CA_EXPORT: &str = "tctl auth export --type tls-spiffe";

impl Findings {
    pub fn all_ok(&self) -> bool {
        self.checks.iter().all(Check::ok)
    }

    /// What a wizard says once the proxy answered: the cluster and its version, the issuer,
    /// and every check that failed (`false`), each as one line.
    pub fn summary(&self) -> Vec<(bool, String)> {
        let mut lines = vec![
            (
                true,
                format!(
                    "cluster {} (Teleport {})",
                    self.cluster_name, self.server_version
                ),
            ),
            (true, format!("issuer {}", self.issuer)),
            (
                self.api.is_some(),
                format!(
                    "Teleport API {} ({})",
                    self.api.as_deref().unwrap_or("none"),
                    self.api_reason
                ),
            ),
        ];
        lines.extend(
            self.checks
                .iter()
                .filter(|c| !c.ok())
                .map(|c| (false, format!("{}: {}", c.id, c.detail))),
        );
        lines
    }
}

pub use crate::domain::teleport::parse_version;

/// Algorithms STS accepts for web identity tokens.
pub use crate::domain::jwk::STS_ALGORITHMS;

/// A key as STS would use it: its algorithms, or why it cannot verify tokens.
fn summarize_key(key: &serde_json::Value) -> KeySummary {
    let text = |name: &str| key.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let problem = crate::domain::jwk::StsKey::from_json(key).err();
    KeySummary {
        kid: text("kid"),
        kty: text("kty").unwrap_or_default(),
        alg: text("alg"),
        usable_by_sts: problem.is_none(),
        problem: problem.map(|p| p.to_string()),
    }
}

/// `https://host[:port]/path` → `host[:port]` (the authority), if it is an https URL.
fn https_authority(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    // 443 is implied by https://, and Teleport's own addresses leave it out.
    let authority = authority.strip_suffix(":443").unwrap_or(authority);
    (!authority.is_empty()).then_some(authority)
}

/// Talks to the proxy: a TLS handshake that records the chain, and the four HTTP endpoints.
/// They go out together, each waiting only for what it needs (the JWKS for the discovery
/// document that names it): over a network each costs round trips, and in sequence a proxy
/// 50 ms away would cost 6 of them instead of 3. The handshake's verdict still comes first,
/// as it tells DNS, connection and certificate problems apart precisely.
pub async fn discover(proxy: &ProxyAddress, options: &Options) -> Result<Findings, DiscoverError> {
    let trust = tls::Trust::load(options.ca_file.as_deref())?;
    let port = proxy.port().unwrap_or(443);
    let client = http::HttpClient::new(&trust, options.timeout, options.max_body)?;
    let (handshake, said) = tokio::join!(
        tls::handshake(&trust, proxy.host(), port, options.timeout),
        ask_proxy(&client, proxy),
    );
    let handshake = handshake?;
    let chain_thumbprint = crate::domain::thumbprint::of_chain(&handshake.chain)
        .ok_or_else(|| DiscoverError::Internal("the server sent no certificate".into()))?;
    if let Err(problem) = handshake.trust {
        return Err(DiscoverError::Untrusted {
            address: proxy.authority(),
            problem,
            chain_thumbprint,
        });
    }
    let chain: Vec<CertificateSummary> = handshake
        .chain
        .iter()
        .map(|der| tls::summarize(der))
        .collect();
    let said = said?;
    let keys: Vec<KeySummary> = said.jwks.keys.iter().map(summarize_key).collect();
    let teleport_thumbprint = said.teleport_thumbprint.trim().to_ascii_lowercase();
    let api = crate::domain::teleport::resolve_api(
        crate::domain::teleport::ApiChoice::Auto,
        Some(&said.ping.server_version),
    );
    let checks = vec![
        version_check(&said.ping.server_version),
        Check::holds(
            CheckId::Thumbprint,
            teleport_thumbprint == chain_thumbprint,
            explain_thumbprints(&teleport_thumbprint, &chain_thumbprint, &chain),
        ),
        issuer_check(&said.document.issuer, &proxy.issuer_url()),
        jwks_check(&keys),
        jwks_host_check(&said.jwks_authority, &proxy.authority()),
        trust_anchor_check(&said.trust_anchor),
    ];
    Ok(Findings {
        proxy: proxy.authority(),
        cluster_name: said.ping.cluster_name,
        server_version: said.ping.server_version,
        chain,
        chain_thumbprint,
        teleport_thumbprint,
        issuer: said.document.issuer,
        jwks_uri: said.document.jwks_uri,
        keys,
        checks,
        api: api.as_ref().map(|(api, _, _)| api.id().to_owned()).ok(),
        api_reason: match api {
            Ok((_, reason, _)) => reason,
            Err(error) => error.to_string(),
        },
        trust_anchor: said.trust_anchor,
    })
}

/// The bundle at `url` (its answer, or why there is none), judged as a trust anchor now.
fn judge_bundle(
    url: String,
    answer: Result<serde_json::Value, DiscoverError>,
    public_keys: &[Vec<u8>],
) -> TrustAnchorFindings {
    use crate::routes::roles_anywhere::x509;
    let authorities = answer
        .map_err(|error| {
            not_found(
                error,
                "the proxy serves no SPIFFE bundle (gravitational/teleport PR #44870 added it)",
            )
            .to_string()
        })
        .and_then(|bundle| x509::spiffe_bundle_authorities(&bundle));
    let authorities = match authorities {
        Ok(authorities) => authorities,
        Err(problem) => {
            return TrustAnchorFindings {
                url,
                problem: Some(problem),
                ..TrustAnchorFindings::default()
            };
        }
    };
    let now = std::time::SystemTime::now();
    let certificates = x509::judge_anchor_certificates_against(&authorities, now, public_keys)
        .into_iter()
        .zip(&authorities)
        .map(|(judged, der)| match judged {
            Ok(anchor) => AnchorSummary {
                subject: anchor.subject,
                not_after: anchor.not_after,
                sha1: anchor.fingerprint,
                problem: None,
            },
            Err(problem) => AnchorSummary {
                subject: String::new(),
                not_after: String::new(),
                sha1: crate::domain::thumbprint::of_certificate(der),
                problem: Some(problem.to_string()),
            },
        })
        .collect();
    TrustAnchorFindings {
        url,
        pem: Some(x509::pem_bundle(&authorities)),
        certificates,
        problem: None,
    }
}

/// Whether the SPIFFE CA can anchor Roles Anywhere. Only that route needs it, so a bundle
/// that is missing or unfit is a warning here, never what fails an OIDC user's discover.
fn trust_anchor_check(anchor: &TrustAnchorFindings) -> Check {
    let fit = anchor
        .certificates
        .iter()
        .filter(|c| c.problem.is_none())
        .count();
    if let Some(problem) = &anchor.problem {
        return Check::warn(
            CheckId::TrustAnchor,
            format!(
                "for IAM Roles Anywhere only: {problem}; `{SPIFFE_CA_EXPORT}` prints the SPIFFE CA instead"
            ),
        );
    }
    let problems: Vec<String> = anchor
        .certificates
        .iter()
        .filter_map(|c| c.problem.as_ref().map(|p| format!("{}: {p}", c.sha1)))
        .collect();
    match fit {
        0 => Check::warn(
            CheckId::TrustAnchor,
            format!(
                "for IAM Roles Anywhere only: Roles Anywhere would take none of the SPIFFE CA's {} certificate(s): {}",
                anchor.certificates.len(),
                problems.join("; ")
            ),
        ),
        _ => Check::pass(
            CheckId::TrustAnchor,
            format!(
                "the SPIFFE CA ({fit} of {} certificate(s)) can anchor IAM Roles Anywhere; `{SPIFFE_CA_EXPORT}` prints the active one, which must be among them",
                anchor.certificates.len()
            ),
        ),
    }
}

/// What the proxy's endpoints answered.
struct ProxyAnswers {
    ping: Ping,
    teleport_thumbprint: String,
    document: DiscoveryDocument,
    jwks_authority: String,
    jwks: Jwks,
    trust_anchor: TrustAnchorFindings,
}

async fn ask_proxy(
    client: &http::HttpClient,
    proxy: &ProxyAddress,
) -> Result<ProxyAnswers, DiscoverError> {
    let base = format!("https://{}", proxy.authority());
    let ping_url = format!("{base}/webapi/ping");
    let thumbprint_url = format!("{base}/webapi/thumbprint");
    let bundle_url = format!("{base}/webapi/spiffe/bundle.json");
    let (ping, teleport_thumbprint, documents, bundle) = tokio::join!(
        client.get_json::<Ping>(&ping_url),
        client.get_json::<String>(&thumbprint_url),
        issuer_documents(client, proxy),
        client.get_json::<serde_json::Value>(&bundle_url),
    );
    // In the order a person would ask: the first problem is the one to explain.
    let ping = ping.map_err(|e| not_found(e, "this is not a Teleport proxy (no /webapi/ping)"))?;
    let teleport_thumbprint = teleport_thumbprint.map_err(|e| not_found(e, "Teleport is older than 16.x, or this is not a Teleport proxy; Workload Identity with AWS needs 16.4.6 or later"))?;
    let (document, jwks) = documents?;
    let jwks_authority = https_authority(&document.jwks_uri)
        .unwrap_or_default()
        .to_owned();
    Ok(ProxyAnswers {
        ping,
        teleport_thumbprint,
        document,
        jwks_authority,
        jwks,
        trust_anchor: judge_bundle(bundle_url, bundle, &tls::public_root_keys()),
    })
}

fn version_check(server_version: &str) -> Check {
    match parse_version(server_version) {
        Some(v) if v >= RECOMMENDED_VERSION => Check::pass(
            CheckId::Version,
            format!(
                "{server_version} (issues JWT SVIDs; 16.4.6 or later, as Teleport's AWS guide asks)"
            ),
        ),
        Some(v) if v >= MIN_VERSION => Check::warn(
            CheckId::Version,
            format!(
                "{server_version} issues JWT SVIDs (from 16.4.3); Teleport's AWS guide asks for 16.4.6 or later"
            ),
        ),
        Some(_) => Check::holds(
            CheckId::Version,
            false,
            format!(
                "{server_version} is older than 16.4.3 and issues no JWT SVIDs: upgrade the cluster"
            ),
        ),
        None => Check::holds(
            CheckId::Version,
            false,
            format!("{server_version:?} is not a version wi-aws can read"),
        ),
    }
}

fn issuer_check(issuer: &str, expected_issuer: &str) -> Check {
    Check::holds(
        CheckId::Issuer,
        issuer == expected_issuer,
        if issuer == expected_issuer {
            format!("{expected_issuer} (the OIDC provider URL, byte for byte)")
        } else {
            format!(
                "the discovery document says issuer {issuer:?}, but AWS will compare tokens' iss with the provider URL {expected_issuer:?}; they must be equal (check the proxy's public_addr)"
            )
        },
    )
}

fn jwks_check(keys: &[KeySummary]) -> Check {
    let usable = keys.iter().filter(|k| k.usable_by_sts).count();
    let problems: Vec<&str> = keys.iter().filter_map(|k| k.problem.as_deref()).collect();
    Check::holds(
        CheckId::Jwks,
        usable > 0,
        if usable == 0 {
            format!(
                "{} key(s), none STS can use (it accepts {}): {}",
                keys.len(),
                STS_ALGORITHMS.join(", "),
                problems.join("; ")
            )
        } else {
            format!("{usable} of {} key(s) usable by STS", keys.len())
        },
    )
}

fn jwks_host_check(jwks_authority: &str, proxy_authority: &str) -> Check {
    Check::holds(
        CheckId::JwksHost,
        jwks_authority == proxy_authority,
        if jwks_authority == proxy_authority {
            format!("{jwks_authority}, the host the thumbprint was taken from")
        } else {
            format!(
                "the JWKS is served by {jwks_authority}, but the thumbprint was taken from {proxy_authority}; AWS pins the JWKS host's chain — run discover against {jwks_authority}"
            )
        },
    )
}

fn not_found(error: DiscoverError, meaning: &'static str) -> DiscoverError {
    match error {
        DiscoverError::Status { url, status: 404 } => DiscoverError::NotFound { url, meaning },
        other => other,
    }
}

fn explain_thumbprints(teleport: &str, chain_value: &str, chain: &[CertificateSummary]) -> String {
    let describe = |index: usize| {
        let summary = &chain[index];
        format!(
            "certificate #{} of {} ({}, {})",
            index + 1,
            chain.len(),
            tls::role_in_chain(summary, index),
            summary.subject
        )
    };
    let last = chain.len().saturating_sub(1);
    if teleport == chain_value {
        return format!(
            "{chain_value}: {}, the last one sent — AWS's rule",
            describe(last)
        );
    }
    let pinned_by_teleport = match chain.iter().position(|c| c.thumbprint == teleport) {
        Some(index) => format!("Teleport's {teleport} is {}", describe(index)),
        None => format!(
            "Teleport's {teleport} matches no certificate this server sent (is TLS terminated by a load balancer in front of the proxy?)"
        ),
    };
    format!(
        "{pinned_by_teleport}; AWS pins the last certificate sent, {}: {chain_value}. Use {chain_value}",
        describe(last)
    )
}

/// Fills what the answers leave open from the findings. Values given in the answers win; a
/// disagreement is returned as a warning.
pub fn apply_findings(answers: &mut Answers, findings: &Findings) -> Vec<String> {
    let mut warnings = Vec::new();
    if answers.text(FieldId::Proxy).is_none() {
        answers.set_text(FieldId::Proxy, findings.proxy.clone());
    }
    match answers.text(FieldId::ClusterName) {
        None => answers.set_text(FieldId::ClusterName, findings.cluster_name.clone()),
        Some(given) if given != findings.cluster_name => warnings.push(format!(
            "teleport.cluster_name is {given:?} in the answers, but the proxy says {:?}; keeping the answers' value — SPIFFE IDs will not match if it is wrong",
            findings.cluster_name
        )),
        Some(_) => {}
    }
    let version = crate::domain::teleport::parse_version_answer(&findings.server_version).ok();
    match (answers.text(FieldId::Version), version) {
        (None, Some(version)) => answers.set_text(FieldId::Version, version),
        (Some(given), Some(version)) if given != version => warnings.push(format!(
            "teleport.version is {given:?} in the answers, but the proxy runs {version}; keeping the answers' value, which decides teleport.api auto"
        )),
        _ => {}
    }
    // The SPIFFE CA the trust anchor holds, on the route that has one. A different bundle in
    // the answers stays (a private or external issuer), and is said to differ.
    if answers.route() == crate::routes::Route::RolesAnywhere
        && let Some(pem) = &findings.trust_anchor.pem
    {
        match answers.text(FieldId::CaBundle) {
            None => answers.set_text(FieldId::CaBundle, pem.clone()),
            Some(given)
                if crate::routes::roles_anywhere::x509::anchor_bundle(given)
                    .ok()
                    .as_ref()
                    != Some(pem) =>
            {
                warnings.push(
                    "roles_anywhere.ca_bundle in the answers is not the SPIFFE CA bundle the proxy serves now; keeping the answers' value — after a CA rotation the trust anchor must hold the new CA".into(),
                );
            }
            Some(_) => {}
        }
    }
    if answers.route() != crate::routes::Route::Oidc {
        return warnings;
    }
    let given: Vec<String> = answers
        .list(FieldId::Thumbprints)
        .map(|list| {
            list.iter()
                .filter_map(|t| crate::domain::thumbprint::normalize(t).ok())
                .collect()
        })
        .unwrap_or_default();
    if answers
        .list(FieldId::Thumbprints)
        .is_none_or(<[String]>::is_empty)
    {
        answers.set(
            FieldId::Thumbprints,
            Answer::List(vec![findings.chain_thumbprint.clone()]),
        );
    } else if !given.contains(&findings.chain_thumbprint) {
        warnings.push(format!(
            "aws.thumbprints in the answers do not include {}, the thumbprint of the chain the proxy sends now; keeping the answers' values",
            findings.chain_thumbprint
        ));
    }
    warnings
}

/// The issuer's discovery document and the JWKS it names (which must be served over HTTPS).
async fn issuer_documents<Keys: serde::de::DeserializeOwned>(
    client: &http::HttpClient,
    proxy: &ProxyAddress,
) -> Result<(DiscoveryDocument, Keys), DiscoverError> {
    let document: DiscoveryDocument = client
        .get_json(&format!(
            "{}/.well-known/openid-configuration",
            proxy.issuer_url()
        ))
        .await
        .map_err(|e| {
            not_found(
                e,
                "Workload Identity is not enabled on this cluster (Teleport 16.4.3+ serves it)",
            )
        })?;
    if https_authority(&document.jwks_uri).is_none() {
        return Err(DiscoverError::BadJwksUri {
            uri: document.jwks_uri.clone(),
        });
    }
    let jwks = client.get_json(&document.jwks_uri).await.map_err(|e| {
        not_found(
            e,
            "the issuer's JWKS is missing; AWS could not verify any token",
        )
    })?;
    Ok((document, jwks))
}

/// The issuer's discovery document `issuer` and its JWKS, as AWS fetches them.
pub async fn fetch_issuer(
    proxy: &ProxyAddress,
    options: &Options,
) -> Result<(String, Jwks), DiscoverError> {
    let trust = tls::Trust::load(options.ca_file.as_deref())?;
    let client = http::HttpClient::new(&trust, options.timeout, options.max_body)?;
    let (document, jwks) = issuer_documents(&client, proxy).await?;
    Ok((document.issuer, jwks))
}

/// The cluster's SPIFFE bundle as the proxy serves it now (`/webapi/spiffe/bundle.json`),
/// judged as a trust anchor: what verify compares a written anchor with.
pub async fn fetch_trust_anchor(
    proxy: &ProxyAddress,
    options: &Options,
) -> Result<TrustAnchorFindings, DiscoverError> {
    let trust = tls::Trust::load(options.ca_file.as_deref())?;
    let client = http::HttpClient::new(&trust, options.timeout, options.max_body)?;
    let url = format!("https://{}/webapi/spiffe/bundle.json", proxy.authority());
    let answer = client.get_json::<serde_json::Value>(&url).await;
    Ok(judge_bundle(url, answer, &tls::public_root_keys()))
}

/// Runs a discovery future on a runtime of its own, for callers that are not async.
pub fn block_on<T>(
    future: impl std::future::Future<Output = Result<T, DiscoverError>>,
) -> Result<T, DiscoverError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            DiscoverError::Internal(format!("cannot start the async runtime: {error}"))
        })?
        .block_on(future)
}

/// Runs discovery on a runtime of its own, for callers that are not async.
pub fn discover_blocking(
    proxy: &ProxyAddress,
    options: &Options,
) -> Result<Findings, DiscoverError> {
    block_on(discover(proxy, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("16.4.6"), Some((16, 4, 6)));
        assert_eq!(parse_version("v17.0.0-dev.3"), Some((17, 0, 0)));
        assert_eq!(parse_version("banana"), None);
        assert!(parse_version("16.4.2").unwrap() < MIN_VERSION);
        assert!(parse_version("16.4.5").unwrap() < RECOMMENDED_VERSION);
        assert!(parse_version("16.10.0").unwrap() > MIN_VERSION);
    }

    #[test]
    fn keys_usable_by_sts() {
        let issuer =
            crate::domain::jwt_svid::Issuer::generate("https://example.com/workload-identity")
                .expect("issuer");
        let rsa = issuer.jwks().keys[0].clone();
        assert!(summarize_key(&rsa).usable_by_sts, "{rsa}");
        let hmac = serde_json::json!({"kty": "oct", "alg": "HS256"});
        assert!(!summarize_key(&hmac).usable_by_sts);
        let mut ps = rsa.clone();
        ps["alg"] = "PS256".into();
        let ps = summarize_key(&ps);
        assert!(!ps.usable_by_sts);
        assert!(ps.problem.is_some_and(|p| p.contains("PS256")));
        let fake = serde_json::json!({"kty": "EC", "crv": "P-256", "x": "eA", "y": "eQ"});
        assert!(!summarize_key(&fake).usable_by_sts);
        // The same words as verify for a key too small: STS would refuse its tokens.
        let mut small = rsa.clone();
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let n = b64.decode(rsa["n"].as_str().expect("n")).expect("base64");
        small["n"] = b64.encode(&n[..128]).into();
        let small = summarize_key(&small);
        assert!(!small.usable_by_sts);
        assert_eq!(
            small.problem.as_deref(),
            Some("an RSA key of 1024 bits; STS needs at least 2048")
        );
    }

    #[test]
    fn authority_of_urls() {
        assert_eq!(
            https_authority("https://a.b:3080/x/jwt-jwks.json"),
            Some("a.b:3080")
        );
        assert_eq!(https_authority("https://a.b:443/x"), Some("a.b"));
        assert_eq!(https_authority("http://a.b/x"), None);
    }
}
