//! The X.509 side of Roles Anywhere: a cluster's SPIFFE CA judged as a trust anchor, an X.509
//! SVID issued the way Teleport issues one (for the simulation), and an SVID validated the way
//! Roles Anywhere validates the certificate of a CreateSession request, with the session tags
//! it then derives for the role's trust policy.
//!
//! AWS documents what CreateSession requires of the certificate ("The IAM Roles Anywhere
//! authentication process"): a valid trust chain to a CA certificate configured as a trust
//! anchor; the request itself is signed with the certificate's key. What AWS leaves
//! unsaid is held to RFC 5280: an X.509 v3 certificate within its validity, whose issuer is the
//! anchor (its subject, and its key verifying the signature), the anchor a CA whose key may
//! sign certificates, the leaf no CA and its key for signatures. A check that cannot be made
//! (an unknown signature algorithm, a certificate that does not parse) is a problem, never a
//! pass.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber,
};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use thiserror::Error;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate, X509Version};

/// Why a certificate cannot serve as a trust anchor, or an SVID would be refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum X509Problem {
    #[error("no PEM CERTIFICATE block in {0}")]
    NoCertificate(&'static str),
    #[error("{what} does not parse as an X.509 certificate: {detail}")]
    Unreadable { what: &'static str, detail: String },
    #[error(
        "{0} is X.509 v1 or v2; Roles Anywhere needs X.509 v3 (its extensions say what the key may do)"
    )]
    NotV3(&'static str),
    #[error("the trust anchor {0:?} is not a CA certificate (basicConstraints CA:TRUE)")]
    AnchorNotCa(String),
    #[error(
        "the trust anchor {0:?} has the key of a CA in this machine's system trust store, a public CA: Roles Anywhere refuses certificates of public CAs as trust anchors (IAM Roles Anywhere User Guide, \"Creating a trust anchor\")"
    )]
    PublicCa(String),
    #[error(
        "the trust anchor {0:?} has a key usage without keyCertSign: its key may not sign certificates"
    )]
    AnchorCannotSign(String),
    #[error("{what} {subject:?} is not valid now: valid from {not_before} to {not_after} (UTC)")]
    OutsideValidity {
        what: &'static str,
        subject: String,
        not_before: String,
        not_after: String,
    },
    #[error("the SVID is a CA certificate; an X.509 SVID's leaf is not (SPIFFE X509-SVID §4.1)")]
    LeafIsCa,
    #[error(
        "the SVID's key usage lacks digitalSignature, which signing the CreateSession request needs"
    )]
    LeafCannotSign,
    #[error(
        "the SVID has {0} URI SANs; an X.509 SVID has exactly one, its SPIFFE ID (SPIFFE X509-SVID §2)"
    )]
    UriSans(usize),
    #[error("the SVID's URI SAN {0:?} is not a SPIFFE ID")]
    NotSpiffe(String),
    #[error(
        "the SVID is signed with {algorithm}, which cannot be checked here (known: ECDSA with SHA-256/384/512, RSA PKCS#1 or PSS with SHA-256/384/512)"
    )]
    UnknownSignatureAlgorithm { algorithm: String },
    #[error(
        "no certificate of the trust anchor is the SVID's issuer {issuer:?} (the anchor holds {anchors})"
    )]
    NoIssuerInAnchor { issuer: String, anchors: String },
    #[error(
        "the SVID names {issuer:?} as its issuer, but the anchor's key of that name does not verify its signature: {detail}"
    )]
    BadSignature { issuer: String, detail: String },
}

/// Signature algorithms whose check aws-lc makes here (OIDs: RFC 5758 ECDSA, RFC 4055 RSA).
/// SHA-1 and MD5 are not among them: a certificate signed so is refused, not waved through.
const CHECKED_SIGNATURE_ALGORITHMS: [(&str, &str); 7] = [
    ("1.2.840.10045.4.3.2", "ECDSA with SHA-256"),
    ("1.2.840.10045.4.3.3", "ECDSA with SHA-384"),
    ("1.2.840.10045.4.3.4", "ECDSA with SHA-512"),
    ("1.2.840.113549.1.1.11", "RSA with SHA-256"),
    ("1.2.840.113549.1.1.12", "RSA with SHA-384"),
    ("1.2.840.113549.1.1.13", "RSA with SHA-512"),
    ("1.2.840.113549.1.1.10", "RSA-PSS"),
];

/// The certificates of a PEM bundle (what `tctl auth export --type tls-spiffe` prints, what a
/// trust anchor's `CERTIFICATE_BUNDLE` holds), as DER.
pub fn pem_certificates(text: &str, what: &'static str) -> Result<Vec<Vec<u8>>, X509Problem> {
    use base64::Engine;
    let mut certificates = Vec::new();
    let mut rest = text;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    while let Some(start) = rest.find(BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let Some(end) = body.find(END) else {
            return Err(X509Problem::Unreadable {
                what,
                detail: "a CERTIFICATE block without its END line".into(),
            });
        };
        let base64: String = body[..end].split_whitespace().collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(base64)
            .map_err(|error| X509Problem::Unreadable {
                what,
                detail: format!("the PEM body is not base64: {error}"),
            })?;
        certificates.push(der);
        rest = &body[end + END.len()..];
    }
    match certificates.is_empty() {
        true => Err(X509Problem::NoCertificate(what)),
        false => Ok(certificates),
    }
}

fn parse<'a>(der: &'a [u8], what: &'static str) -> Result<X509Certificate<'a>, X509Problem> {
    match X509Certificate::from_der(der) {
        Ok(([], certificate)) => Ok(certificate),
        Ok(_) => Err(X509Problem::Unreadable {
            what,
            detail: "bytes after the certificate".into(),
        }),
        Err(error) => Err(X509Problem::Unreadable {
            what,
            detail: error.to_string(),
        }),
    }
}

fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn within_validity(
    certificate: &X509Certificate<'_>,
    what: &'static str,
    now: SystemTime,
) -> Result<(), X509Problem> {
    let validity = certificate.validity();
    let now = unix_seconds(now);
    if validity.not_before.timestamp() <= now && now <= validity.not_after.timestamp() {
        return Ok(());
    }
    Err(X509Problem::OutsideValidity {
        what,
        subject: certificate.subject().to_string(),
        not_before: validity.not_before.to_string(),
        not_after: validity.not_after.to_string(),
    })
}

/// One CA certificate of a trust anchor, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorCertificate {
    pub subject: String,
    pub not_after: String,
    /// Lowercase hex SHA-1 of the DER, to name it (as `openssl x509 -fingerprint` does).
    pub fingerprint: String,
}

/// Whether each certificate of `bundle` (PEM) can anchor Roles Anywhere now: X.509 v3, a CA,
/// its key allowed to sign certificates, within its validity. Every certificate is judged; the
/// first problem of each is returned beside the ones that pass.
pub fn judge_anchor(
    bundle: &str,
    now: SystemTime,
) -> Result<Vec<Result<AnchorCertificate, X509Problem>>, X509Problem> {
    let certificates = pem_certificates(bundle, "the trust anchor bundle")?;
    Ok(judge_anchor_certificates(&certificates, now))
}

/// [`judge_anchor`] for certificates already in DER.
pub fn judge_anchor_certificates(
    certificates: &[Vec<u8>],
    now: SystemTime,
) -> Vec<Result<AnchorCertificate, X509Problem>> {
    certificates
        .iter()
        .map(|der| judge_anchor_certificate(der, now))
        .collect()
}

/// Like [`judge_anchor_certificates`], and a certificate whose public key is one of
/// `public_keys` (the SubjectPublicKeyInfo of each root the machine trusts for public TLS) is
/// a public CA's: Roles Anywhere refuses those. A Teleport cluster's SPIFFE CA is its own key,
/// never in such a store.
pub fn judge_anchor_certificates_against(
    certificates: &[Vec<u8>],
    now: SystemTime,
    public_keys: &[Vec<u8>],
) -> Vec<Result<AnchorCertificate, X509Problem>> {
    certificates
        .iter()
        .map(|der| {
            let anchor = judge_anchor_certificate(der, now)?;
            match public_key_info(der).is_some_and(|key| public_keys.contains(&key)) {
                true => Err(X509Problem::PublicCa(anchor.subject)),
                false => Ok(anchor),
            }
        })
        .collect()
}

/// A certificate's SubjectPublicKeyInfo (DER), which names its CA whatever else it says.
pub fn public_key_info(der: &[u8]) -> Option<Vec<u8>> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(certificate.public_key().raw.to_vec())
}

/// Certificates (DER) as one PEM bundle, as a trust anchor's `CERTIFICATE_BUNDLE` takes them.
pub fn pem_bundle(certificates: &[Vec<u8>]) -> String {
    use base64::Engine;
    let mut pem = String::new();
    for der in certificates {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    pem
}

/// The X.509 authorities of a SPIFFE bundle (SPIFFE Trust Domain and Bundle §4: a JWKS whose
/// keys of `"use": "x509-svid"` carry their CA certificate as the one entry of `x5c`, in
/// standard base64): what Teleport's proxy serves at `/webapi/spiffe/bundle.json` (PR #44870,
/// `lib/web/spiffe.go`), every certificate of the cluster's SPIFFE CA, the ones of a rotation
/// in progress included.
pub fn spiffe_bundle_authorities(bundle: &serde_json::Value) -> Result<Vec<Vec<u8>>, String> {
    use base64::Engine;
    let keys = bundle
        .get("keys")
        .and_then(serde_json::Value::as_array)
        .ok_or("no \"keys\" list: not a SPIFFE bundle")?;
    let mut authorities = Vec::new();
    for key in keys
        .iter()
        .filter(|k| k.get("use").and_then(|u| u.as_str()) == Some("x509-svid"))
    {
        let chain = key
            .get("x5c")
            .and_then(serde_json::Value::as_array)
            .ok_or("an x509-svid key without x5c")?;
        let [certificate] = &chain[..] else {
            return Err(format!(
                "an x509-svid key with {} x5c entries; the SPIFFE bundle format has exactly one",
                chain.len()
            ));
        };
        let der = certificate
            .as_str()
            .and_then(|text| base64::engine::general_purpose::STANDARD.decode(text).ok())
            .ok_or("an x5c entry that is not base64")?;
        authorities.push(der);
    }
    match authorities.is_empty() {
        true => Err("no x509-svid authority in the bundle".into()),
        false => Ok(authorities),
    }
}

/// A SPIFFE bundle of `certificates` (EC P-256 CAs), shaped as Teleport's proxy serves it.
pub fn spiffe_bundle_document(certificates: &[Vec<u8>]) -> serde_json::Value {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let keys: Vec<serde_json::Value> = certificates
        .iter()
        .filter_map(|der| {
            let certificate = parse(der, "a CA certificate").ok()?;
            let point = &certificate.public_key().subject_public_key.data;
            // An uncompressed P-256 point: 0x04 || x || y.
            (point.len() == 65).then(|| {
                serde_json::json!({
                    "use": "x509-svid",
                    "kty": "EC",
                    "crv": "P-256",
                    "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                    "y": URL_SAFE_NO_PAD.encode(&point[33..]),
                    "x5c": [STANDARD.encode(der)],
                })
            })
        })
        .collect();
    serde_json::json!({"keys": keys, "spiffe_refresh_hint": 300})
}

/// A trust anchor bundle as answers give it (PEM), checked for what does not change with time
/// (X.509 v3, a CA, allowed to sign certificates) and written back in one normalized PEM form;
/// validity is checked by verify and discover, at the time they run.
pub fn anchor_bundle(text: &str) -> Result<String, X509Problem> {
    let certificates = pem_certificates(text, "the trust anchor bundle")?;
    for der in &certificates {
        judge_anchor_shape(der, None)?;
    }
    Ok(pem_bundle(&certificates))
}

fn judge_anchor_certificate(der: &[u8], now: SystemTime) -> Result<AnchorCertificate, X509Problem> {
    judge_anchor_shape(der, Some(now))
}

fn judge_anchor_shape(
    der: &[u8],
    now: Option<SystemTime>,
) -> Result<AnchorCertificate, X509Problem> {
    const WHAT: &str = "the trust anchor's certificate";
    let certificate = parse(der, WHAT)?;
    let subject = certificate.subject().to_string();
    if certificate.version() != X509Version::V3 {
        return Err(X509Problem::NotV3(WHAT));
    }
    if !certificate.is_ca() {
        return Err(X509Problem::AnchorNotCa(subject));
    }
    let usage = certificate
        .key_usage()
        .map_err(|error| X509Problem::Unreadable {
            what: WHAT,
            detail: format!("its key usage: {error}"),
        })?;
    if usage.is_some_and(|usage| !usage.value.key_cert_sign()) {
        return Err(X509Problem::AnchorCannotSign(subject));
    }
    if let Some(now) = now {
        within_validity(&certificate, "the trust anchor's certificate", now)?;
    }
    Ok(AnchorCertificate {
        subject,
        not_after: certificate.validity().not_after.to_string(),
        fingerprint: crate::domain::thumbprint::of_certificate(der),
    })
}

/// An SVID Roles Anywhere accepts, and what it makes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedSvid {
    pub spiffe_id: String,
    /// The role session's name: the certificate's serial number, hex (AWS, "trust model").
    pub serial: String,
    /// The session's source identity: the subject's CN, when there is one.
    pub source_identity: Option<String>,
    /// The principal tags of the session under the profile's default attribute mapping.
    pub tags: BTreeMap<String, String>,
    pub not_after: SystemTime,
}

/// Validates the leaf of `svid_pem` (an X.509 SVID, PEM) against `anchor_pem` (the trust
/// anchor's bundle) at `now`, as Roles Anywhere does before it assumes the role.
pub fn accept_svid(
    svid_pem: &str,
    anchor_pem: &str,
    now: SystemTime,
) -> Result<AcceptedSvid, X509Problem> {
    const WHAT: &str = "the SVID";
    let leaf_der = pem_certificates(svid_pem, "the SVID")?.swap_remove(0);
    let leaf = parse(&leaf_der, WHAT)?;
    if leaf.version() != X509Version::V3 {
        return Err(X509Problem::NotV3(WHAT));
    }
    if leaf.is_ca() {
        return Err(X509Problem::LeafIsCa);
    }
    let usage = leaf.key_usage().map_err(|error| X509Problem::Unreadable {
        what: WHAT,
        detail: format!("its key usage: {error}"),
    })?;
    if usage.is_some_and(|usage| !usage.value.digital_signature()) {
        return Err(X509Problem::LeafCannotSign);
    }
    within_validity(&leaf, "the SVID", now)?;
    let uris = uri_sans(&leaf)?;
    let [spiffe_id] = &uris[..] else {
        return Err(X509Problem::UriSans(uris.len()));
    };
    if !spiffe_id.starts_with("spiffe://") {
        return Err(X509Problem::NotSpiffe(spiffe_id.clone()));
    }
    let algorithm = leaf.signature_algorithm.algorithm.to_id_string();
    if !CHECKED_SIGNATURE_ALGORITHMS
        .iter()
        .any(|(oid, _)| *oid == algorithm)
    {
        return Err(X509Problem::UnknownSignatureAlgorithm { algorithm });
    }
    verify_issued_by_anchor(&leaf, anchor_pem, now)?;
    let tags = session_tags(&leaf)?;
    Ok(AcceptedSvid {
        spiffe_id: spiffe_id.clone(),
        serial: leaf.raw_serial_as_string().replace(':', ""),
        source_identity: leaf
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_owned),
        tags,
        not_after: UNIX_EPOCH
            + Duration::from_secs(
                u64::try_from(leaf.validity().not_after.timestamp()).unwrap_or(0),
            ),
    })
}

/// The anchor certificate named as the leaf's issuer must verify its signature, and must
/// itself be fit to anchor.
fn verify_issued_by_anchor(
    leaf: &X509Certificate<'_>,
    anchor_pem: &str,
    now: SystemTime,
) -> Result<(), X509Problem> {
    let issuer = leaf.issuer().to_string();
    let anchors = pem_certificates(anchor_pem, "the trust anchor bundle")?;
    let mut subjects = Vec::new();
    for der in &anchors {
        let anchor = parse(der, "the trust anchor's certificate")?;
        subjects.push(anchor.subject().to_string());
        if anchor.subject().as_raw() != leaf.issuer().as_raw() {
            continue;
        }
        judge_anchor_certificate(der, now)?;
        return leaf
            .verify_signature(Some(anchor.public_key()))
            .map_err(|error| X509Problem::BadSignature {
                issuer: issuer.clone(),
                detail: error.to_string(),
            });
    }
    Err(X509Problem::NoIssuerInAnchor {
        issuer,
        anchors: format!("{subjects:?}"),
    })
}

fn uri_sans(certificate: &X509Certificate<'_>) -> Result<Vec<String>, X509Problem> {
    let sans = certificate
        .subject_alternative_name()
        .map_err(|error| X509Problem::Unreadable {
            what: "the SVID",
            detail: format!("its subject alternative names: {error}"),
        })?;
    Ok(sans
        .map(|sans| {
            sans.value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::URI(uri) => Some((*uri).to_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default())
}

/// The relative distinguished names Roles Anywhere maps to tags, by attribute type (OIDs of
/// X.520 and RFC 4519).
const NAME_ATTRIBUTES: [(&str, &str); 7] = [
    ("2.5.4.3", "CN"),
    ("2.5.4.11", "OU"),
    ("2.5.4.10", "O"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.6", "C"),
    ("0.9.2342.19200300.100.1.1", "UID"),
];

/// The session's principal tags under a profile's default mapping (AWS, "Certificate attribute
/// mapping": every supported RDN of the subject as `x509Subject/<RDN>` and of the issuer as
/// `x509Issuer/<RDN>`; of the SANs, the first DNS name as `x509SAN/DNS`, the first URI as
/// `x509SAN/URI` and the first directory name's RDNs as `x509SAN/Name/<RDN>`).
pub fn session_tags(
    certificate: &X509Certificate<'_>,
) -> Result<BTreeMap<String, String>, X509Problem> {
    let mut tags = BTreeMap::new();
    name_tags(&mut tags, "x509Subject", certificate.subject());
    name_tags(&mut tags, "x509Issuer", certificate.issuer());
    let sans = certificate
        .subject_alternative_name()
        .map_err(|error| X509Problem::Unreadable {
            what: "the SVID",
            detail: format!("its subject alternative names: {error}"),
        })?;
    let general_names = sans
        .map(|s| s.value.general_names.clone())
        .unwrap_or_default();
    let first_dns = general_names.iter().find_map(|n| match n {
        GeneralName::DNSName(dns) => Some(*dns),
        _ => None,
    });
    let first_uri = general_names.iter().find_map(|n| match n {
        GeneralName::URI(uri) => Some(*uri),
        _ => None,
    });
    if let Some(dns) = first_dns {
        tags.insert("x509SAN/DNS".into(), dns.to_owned());
    }
    if let Some(uri) = first_uri {
        tags.insert("x509SAN/URI".into(), uri.to_owned());
    }
    if let Some(GeneralName::DirectoryName(name)) = general_names
        .iter()
        .find(|n| matches!(n, GeneralName::DirectoryName(_)))
    {
        name_tags(&mut tags, "x509SAN/Name", name);
    }
    Ok(tags)
}

/// The supported RDNs of `name` as `<field>/<RDN>` tags, the first value of each.
fn name_tags(
    tags: &mut BTreeMap<String, String>,
    field: &str,
    name: &x509_parser::x509::X509Name<'_>,
) {
    for attribute in name.iter_attributes() {
        let oid = attribute.attr_type().to_id_string();
        if let Some((_, short)) = NAME_ATTRIBUTES.iter().find(|(id, _)| *id == oid)
            && let Ok(value) = attribute.as_str()
        {
            tags.entry(format!("{field}/{short}"))
                .or_insert_with(|| value.to_owned());
        }
    }
}

/// A stand-in for a cluster's SPIFFE CA: a fresh ECDSA P-256 CA whose X.509 SVIDs are shaped
/// as Teleport's (one URI SAN, the SPIFFE ID; a short validity; a key for signatures).
pub struct SimulatedSpiffeCa {
    trust_domain: String,
    key: KeyPair,
    params: CertificateParams,
    certificate_pem: String,
}

#[derive(Debug, Error)]
#[error("the simulated SPIFFE CA: {0}")]
pub struct CaError(String);

fn ca_error(error: impl std::fmt::Display) -> CaError {
    CaError(error.to_string())
}

/// An X.509 SVID and its private key, PEM.
#[derive(Debug, Clone)]
pub struct IssuedSvid {
    pub certificate_pem: String,
    pub private_key_pem: String,
}

fn offset_time(time: SystemTime) -> Result<time::OffsetDateTime, CaError> {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds(time)).map_err(ca_error)
}

fn random_serial() -> Result<SerialNumber, CaError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| CaError("no random serial number".into()))?;
    // Positive, as DER integers of serial numbers must be (RFC 5280 §4.1.2.2), and
    // with a non-zero first byte, so that DER keeps all 16 bytes and every serial
    // has the same 32 hex digits whoever prints it.
    bytes[0] = (bytes[0] & 0x7f).max(1);
    Ok(SerialNumber::from_slice(&bytes))
}

impl SimulatedSpiffeCa {
    /// A CA for `trust_domain` (the cluster name), valid for a year from `now`.
    pub fn generate(trust_domain: &str, now: SystemTime) -> Result<Self, CaError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(ca_error)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(ca_error)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params
            .distinguished_name
            .push(DnType::OrganizationName, trust_domain);
        params
            .distinguished_name
            .push(DnType::CommonName, trust_domain);
        // A SPIFFE CA names its trust domain (SPIFFE X509-SVID §4.1).
        params.subject_alt_names = vec![SanType::URI(
            format!("spiffe://{trust_domain}")
                .try_into()
                .map_err(ca_error)?,
        )];
        params.not_before = offset_time(now - Duration::from_secs(60))?;
        params.not_after = offset_time(now + Duration::from_secs(365 * 24 * 3600))?;
        params.serial_number = Some(random_serial()?);
        let certificate = params.self_signed(&key).map_err(ca_error)?;
        Ok(Self {
            trust_domain: trust_domain.to_owned(),
            key,
            params,
            certificate_pem: certificate.pem(),
        })
    }

    pub fn trust_domain(&self) -> &str {
        &self.trust_domain
    }

    /// The CA certificate (PEM): what `tctl auth export --type tls-spiffe` prints for it.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// The CA certificate, DER.
    pub fn certificate_der(&self) -> Vec<u8> {
        pem_certificates(&self.certificate_pem, "the CA")
            .map(|mut certificates| certificates.swap_remove(0))
            .unwrap_or_default()
    }

    /// An X.509 SVID for `spiffe_id`, valid from a minute before `now` for `ttl`.
    pub fn issue(
        &self,
        spiffe_id: &str,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<IssuedSvid, CaError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(ca_error)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(ca_error)?;
        // No subject: an X.509 SVID is named by its URI SAN alone (rcgen would write its own
        // CN, which Roles Anywhere would take as the source identity).
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyAgreement,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.subject_alt_names = vec![SanType::URI(spiffe_id.try_into().map_err(ca_error)?)];
        params.not_before = offset_time(now - Duration::from_secs(60))?;
        params.not_after = offset_time(now + ttl)?;
        params.serial_number = Some(random_serial()?);
        let issuer = rcgen::Issuer::from_params(&self.params, &self.key);
        let certificate = params.signed_by(&key, &issuer).map_err(ca_error)?;
        Ok(IssuedSvid {
            certificate_pem: certificate.pem(),
            private_key_pem: key.serialize_pem(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPIFFE_ID: &str = "spiffe://example.teleport.sh/svc/example-service";

    fn ca() -> SimulatedSpiffeCa {
        SimulatedSpiffeCa::generate("example.teleport.sh", SystemTime::now()).expect("a CA")
    }

    #[test]
    fn an_svid_of_the_anchor_is_accepted_with_its_tags() {
        let ca = ca();
        let now = SystemTime::now();
        let svid = ca
            .issue(SPIFFE_ID, now, Duration::from_secs(3600))
            .expect("an SVID");
        let accepted =
            accept_svid(&svid.certificate_pem, ca.certificate_pem(), now).expect("accepted");
        assert_eq!(accepted.spiffe_id, SPIFFE_ID);
        assert_eq!(accepted.tags["x509SAN/URI"], SPIFFE_ID);
        assert_eq!(accepted.tags["x509Issuer/CN"], "example.teleport.sh");
        assert_eq!(accepted.tags["x509Issuer/O"], "example.teleport.sh");
        assert!(!accepted.tags.contains_key("x509Subject/CN"));
        assert_eq!(accepted.source_identity, None);
        assert_eq!(accepted.serial.len(), 32, "{}", accepted.serial);
        let anchor = judge_anchor(ca.certificate_pem(), now).expect("a bundle");
        assert_eq!(anchor.len(), 1);
        assert!(anchor[0].is_ok(), "{anchor:?}");
    }

    #[test]
    fn an_svid_of_another_ca_or_out_of_time_is_refused() {
        let (ca, other) = (ca(), ca());
        let now = SystemTime::now();
        let svid = ca
            .issue(SPIFFE_ID, now, Duration::from_secs(600))
            .expect("an SVID");
        // Another CA of the same name: the issuer matches, the signature does not.
        assert!(matches!(
            accept_svid(&svid.certificate_pem, other.certificate_pem(), now),
            Err(X509Problem::BadSignature { .. })
        ));
        let elsewhere = SimulatedSpiffeCa::generate("other.example.com", now).expect("a CA");
        assert!(matches!(
            accept_svid(&svid.certificate_pem, elsewhere.certificate_pem(), now),
            Err(X509Problem::NoIssuerInAnchor { .. })
        ));
        // Both anchors in one bundle: the right one is found.
        let bundle = format!("{}{}", elsewhere.certificate_pem(), ca.certificate_pem());
        assert!(accept_svid(&svid.certificate_pem, &bundle, now).is_ok());
        let later = now + Duration::from_secs(3600);
        assert!(matches!(
            accept_svid(&svid.certificate_pem, ca.certificate_pem(), later),
            Err(X509Problem::OutsideValidity {
                what: "the SVID",
                ..
            })
        ));
        let next_year = now + Duration::from_secs(400 * 24 * 3600);
        let late = ca
            .issue(SPIFFE_ID, next_year, Duration::from_secs(600))
            .expect("an SVID");
        assert!(matches!(
            accept_svid(&late.certificate_pem, ca.certificate_pem(), next_year),
            Err(X509Problem::OutsideValidity {
                what: "the trust anchor's certificate",
                ..
            })
        ));
    }

    #[test]
    fn a_spiffe_bundle_carries_the_ca_both_ways() {
        let ca = ca();
        let document = spiffe_bundle_document(&[ca.certificate_der()]);
        let authorities = spiffe_bundle_authorities(&document).expect("authorities");
        assert_eq!(authorities, [ca.certificate_der()]);
        assert_eq!(
            pem_bundle(&authorities),
            ca.certificate_pem().replace("\r", "")
        );
        // JWT authorities only, or a malformed x5c: no anchor, said why.
        let jwt_only = serde_json::json!({"keys": [{"use": "jwt-svid", "kid": "k"}]});
        assert!(spiffe_bundle_authorities(&jwt_only).is_err());
        let two = serde_json::json!({"keys": [{"use": "x509-svid", "x5c": ["AA==", "AA=="]}]});
        assert!(
            spiffe_bundle_authorities(&two)
                .unwrap_err()
                .contains("exactly one")
        );
    }

    #[test]
    fn a_leaf_or_a_non_spiffe_name_cannot_pass_for_what_it_is_not() {
        let ca = ca();
        let now = SystemTime::now();
        let svid = ca
            .issue(SPIFFE_ID, now, Duration::from_secs(600))
            .expect("an SVID");
        // The leaf offered as its own anchor: not a CA.
        assert!(matches!(
            judge_anchor(&svid.certificate_pem, now).expect("a bundle")[0],
            Err(X509Problem::AnchorNotCa(_))
        ));
        let https = ca
            .issue(
                "https://example.teleport.sh/svc",
                now,
                Duration::from_secs(600),
            )
            .expect("a certificate");
        assert!(matches!(
            accept_svid(&https.certificate_pem, ca.certificate_pem(), now),
            Err(X509Problem::NotSpiffe(_))
        ));
        assert_eq!(
            pem_certificates("not a certificate", "the SVID"),
            Err(X509Problem::NoCertificate("the SVID"))
        );
        assert!(matches!(
            pem_certificates(
                "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
                "the SVID"
            ),
            Err(X509Problem::Unreadable { .. })
        ));
    }

    #[test]
    fn a_certificate_with_the_key_of_a_public_root_is_refused_as_an_anchor() {
        let now = SystemTime::now();
        let ca = SimulatedSpiffeCa::generate("example.teleport.sh", now).expect("a CA");
        let other = SimulatedSpiffeCa::generate("other.example", now).expect("a CA");
        let der = ca.certificate_der();
        let key = |ca: &SimulatedSpiffeCa| public_key_info(&ca.certificate_der()).expect("a key");
        let judged =
            judge_anchor_certificates_against(std::slice::from_ref(&der), now, &[key(&other)]);
        assert!(judged[0].is_ok(), "{judged:?}");
        let judged = judge_anchor_certificates_against(&[der], now, &[key(&other), key(&ca)]);
        assert!(
            matches!(&judged[0], Err(X509Problem::PublicCa(subject)) if subject.contains("example.teleport.sh")),
            "{judged:?}"
        );
    }
}
