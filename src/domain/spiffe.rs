//! SPIFFE IDs as Teleport issues them: `spiffe://<cluster name>/<workload path>`.
//!
//! Parsing is delegated to the `spiffe` crate (the SPIFFE spec's rules); this module adds what
//! matters for AWS: the ID ends up in a case-sensitive `StringEquals` on the token's `sub`, so
//! nothing here may silently change the case or shape of what the user typed.

use crate::answers::advice::Advice;
use spiffe::SpiffeIdError;
use thiserror::Error;

/// The longest SPIFFE ID the spec allows (bytes of the whole URI).
pub const MAX_ID_LEN: usize = 2048;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SpiffeError {
    #[error("a SPIFFE trust domain may only hold lowercase letters, digits, '.', '-' and '_'")]
    TrustDomainChars,
    #[error("a SPIFFE trust domain is at most 255 characters")]
    TrustDomainTooLong,
    #[error("the trust domain must not be empty")]
    TrustDomainEmpty,
    #[error(
        "the workload path must not be empty (a SPIFFE ID of a bare trust domain names no workload)"
    )]
    PathEmpty,
    #[error("path segments may only hold letters, digits, '.', '-' and '_'")]
    PathChars,
    #[error("the path has an empty segment ('//')")]
    PathEmptySegment,
    #[error("the path has a '.' or '..' segment, which SPIFFE forbids")]
    PathDotSegment,
    #[error("the path ends with '/'")]
    PathTrailingSlash,
    #[error("the whole SPIFFE ID would be {len} bytes; SPIFFE allows at most {MAX_ID_LEN}")]
    TooLong { len: usize },
    #[error(
        "this SPIFFE ID belongs to trust domain {given:?}, but the cluster's trust domain is {cluster:?}"
    )]
    ForeignTrustDomain { given: String, cluster: String },
    #[error("not a SPIFFE ID: {0}")]
    Malformed(String),
}

impl Advice for SpiffeError {
    fn fix(&self) -> String {
        match self {
            Self::TrustDomainChars => {
                "use the Teleport cluster name exactly as `tctl status` prints it, in lowercase"
                    .into()
            }
            Self::TrustDomainTooLong | Self::TrustDomainEmpty => {
                "set teleport.cluster_name to your cluster's name (`tctl status`)".into()
            }
            Self::PathEmpty => "name the workload, e.g. /svc/example-service".into(),
            Self::PathChars => {
                "use only letters, digits, '.', '-', '_' between the slashes, e.g. /svc/billing-api"
                    .into()
            }
            Self::PathEmptySegment => "remove the doubled '/'".into(),
            Self::PathDotSegment => {
                "remove the '.' or '..' segment; paths are names, not file system paths".into()
            }
            Self::PathTrailingSlash => "remove the trailing '/'".into(),
            Self::TooLong { .. } => "shorten the workload path".into(),
            Self::ForeignTrustDomain { cluster, .. } => format!(
                "give only the path (e.g. /svc/example-service), or an ID under spiffe://{cluster}/"
            ),
            Self::Malformed(_) => "write the path, e.g. /svc/example-service".into(),
        }
    }
}

fn from_crate_error(error: SpiffeIdError) -> SpiffeError {
    match error {
        SpiffeIdError::BadTrustDomainChar => SpiffeError::TrustDomainChars,
        SpiffeIdError::TrustDomainTooLong { .. } => SpiffeError::TrustDomainTooLong,
        SpiffeIdError::MissingTrustDomain | SpiffeIdError::Empty => SpiffeError::TrustDomainEmpty,
        SpiffeIdError::BadPathSegmentChar => SpiffeError::PathChars,
        SpiffeIdError::EmptySegment => SpiffeError::PathEmptySegment,
        SpiffeIdError::DotSegment => SpiffeError::PathDotSegment,
        SpiffeIdError::TrailingSlash => SpiffeError::PathTrailingSlash,
        other => SpiffeError::Malformed(other.to_string()),
    }
}

/// Checks a trust domain (the Teleport cluster name). The `spiffe` crate lowercases mixed-case
/// input; we refuse it instead, because Teleport puts the cluster name into `sub` verbatim and
/// IAM compares `sub` case-sensitively.
pub fn parse_trust_domain(name: &str) -> Result<String, SpiffeError> {
    if name.is_empty() {
        return Err(SpiffeError::TrustDomainEmpty);
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(SpiffeError::TrustDomainChars);
    }
    let parsed = spiffe::TrustDomain::new(name).map_err(from_crate_error)?;
    Ok(parsed.as_str().to_owned())
}

/// A validated SPIFFE ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpiffeId {
    trust_domain: String,
    path: String,
}

impl SpiffeId {
    /// Builds the ID from a trust domain (already validated) and what the user typed for the
    /// workload: a path (`/svc/x`, leading slash optional) or a whole ID in the same trust domain.
    pub fn for_workload(trust_domain: &str, input: &str) -> Result<Self, SpiffeError> {
        let path = match input.strip_prefix("spiffe://") {
            Some(rest) => {
                let (given, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                if given != trust_domain {
                    return Err(SpiffeError::ForeignTrustDomain {
                        given: given.to_owned(),
                        cluster: trust_domain.to_owned(),
                    });
                }
                path.to_owned()
            }
            None if input.starts_with('/') => input.to_owned(),
            None => format!("/{input}"),
        };
        if path == "/" || path.is_empty() {
            return Err(SpiffeError::PathEmpty);
        }
        let uri = format!("spiffe://{trust_domain}{path}");
        if uri.len() > MAX_ID_LEN {
            return Err(SpiffeError::TooLong { len: uri.len() });
        }
        let parsed = spiffe::SpiffeId::new(&uri).map_err(from_crate_error)?;
        Ok(Self {
            trust_domain: parsed.trust_domain_name().to_owned(),
            path: parsed.path().to_owned(),
        })
    }

    pub fn trust_domain(&self) -> &str {
        &self.trust_domain
    }

    /// The path, with its leading slash: what Teleport's role grants (`spec.allow.spiffe.path`)
    /// and tbot's `svid.path` take.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.path.split('/').filter(|s| !s.is_empty())
    }
}

impl std::fmt::Display for SpiffeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "spiffe://{}{}", self.trust_domain, self.path)
    }
}

/// Written as the full ID, `spiffe://trust-domain/path`.
impl serde::Serialize for SpiffeId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_path_with_or_without_slash_and_full_id() {
        let td = "example.teleport.sh";
        let expected = "spiffe://example.teleport.sh/svc/example-service";
        for input in ["/svc/example-service", "svc/example-service", expected] {
            assert_eq!(
                SpiffeId::for_workload(td, input).unwrap().to_string(),
                expected
            );
        }
    }

    #[test]
    fn rejects_what_the_spec_forbids() {
        let td = "example.teleport.sh";
        let cases = [
            ("/svc/../x", SpiffeError::PathDotSegment),
            ("/svc/./x", SpiffeError::PathDotSegment),
            ("/svc//x", SpiffeError::PathEmptySegment),
            ("/svc/x/", SpiffeError::PathTrailingSlash),
            ("/svc/x y", SpiffeError::PathChars),
            ("/", SpiffeError::PathEmpty),
        ];
        for (input, error) in cases {
            assert_eq!(SpiffeId::for_workload(td, input), Err(error), "{input}");
        }
    }

    #[test]
    fn uppercase_trust_domain_is_refused_not_lowercased() {
        assert_eq!(
            parse_trust_domain("Example.com"),
            Err(SpiffeError::TrustDomainChars)
        );
        assert_eq!(parse_trust_domain("example.com").unwrap(), "example.com");
    }
}
