//! Teleport facts: the proxy's public address, the Workload Identity issuer it implies, the
//! names of Teleport resources (roles, bots), versions, and which API generation grants a
//! workload its SPIFFE ID.

use crate::answers::advice::Advice;
use thiserror::Error;

/// Teleport serves its Workload Identity issuer under this path of the proxy's public address.
pub const ISSUER_PATH: &str = "/workload-identity";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TeleportError {
    #[error("the proxy address is host[:port] without a scheme")]
    ProxyScheme,
    #[error("the proxy address is host[:port] without a path, query or user")]
    ProxyPath,
    #[error(
        "the proxy host must be a DNS name (lowercase letters, digits, '-', labels of 1-63 characters joined by '.') or an IP address"
    )]
    ProxyHost,
    #[error("the port must be a number from 1 to 65535")]
    ProxyPort,
    #[error(
        "Teleport {kind} names are 1-64 characters of letters, digits, '.', '_', '-' and '@', starting with a letter or digit"
    )]
    ResourceName { kind: &'static str },
    #[error("a Teleport version looks like 17.4.2 (major.minor.patch)")]
    Version,
    #[error(
        "tbot removed the spiffe-svid output in v19 (teleport PR #57541), and this cluster runs {version}: the legacy generation would be rejected"
    )]
    LegacyRemoved { version: String },
    #[error(
        "the workload_identity resource arrived in Teleport 17.2.7, and this cluster runs {version}"
    )]
    NoWorkloadIdentity { version: String },
    #[error("Teleport issues JWT SVIDs from 16.4.3, and this cluster runs {version}")]
    NoJwtSvids { version: String },
    #[error(
        "teleport.as_code {as_code} writes the workload_identity resource (the Terraform provider's teleport_workload_identity, the operator's TeleportWorkloadIdentityV1): the legacy generation has none"
    )]
    AsCodeNeedsWorkloadIdentity { as_code: &'static str },
    #[error("teleport.manage_bot only applies with teleport.as_code terraform or operator")]
    ManageBotWithTctl,
    #[error("teleport.operator_namespace only applies with teleport.as_code operator")]
    OperatorNamespaceWithoutOperator,
}

impl Advice for TeleportError {
    fn fix(&self) -> String {
        match self {
            Self::ProxyScheme | Self::ProxyPath => "give only the host, e.g. example.teleport.sh (the issuer URL https://HOST/workload-identity is built from it)".into(),
            Self::ProxyHost => "use the proxy's public address exactly as `tsh status` shows it, in lowercase".into(),
            Self::ProxyPort => "leave the port out for 443, or write host:3080".into(),
            Self::ResourceName { kind } => format!("use a name like my-workload-aws (see `tctl get {kind}s`)"),
            Self::Version => "leave teleport.version out, or copy it from `tctl version`".into(),
            Self::LegacyRemoved { .. } => "set teleport.api to workload-identity (or auto)".into(),
            Self::NoWorkloadIdentity { .. } => {
                "set teleport.api to legacy-spiffe (or auto), or upgrade the cluster to 17.2.7 or later".into()
            }
            Self::NoJwtSvids { .. } => "upgrade the cluster to 16.4.6 or later".into(),
            Self::AsCodeNeedsWorkloadIdentity { .. } => {
                "set teleport.api to workload-identity (Teleport 17.2.7 or later), or teleport.as_code to tctl".into()
            }
            Self::ManageBotWithTctl => "leave teleport.manage_bot out".into(),
            Self::OperatorNamespaceWithoutOperator => {
                "leave teleport.operator_namespace out, or set teleport.as_code: operator".into()
            }
        }
    }
}

/// The Teleport Proxy Service's public address, the host AWS will fetch the JWKS from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAddress {
    host: String,
    /// `None` for the HTTPS default, 443.
    port: Option<u16>,
}

impl ProxyAddress {
    pub fn parse(value: &str) -> Result<Self, TeleportError> {
        if value.contains("://") {
            return Err(TeleportError::ProxyScheme);
        }
        if value.contains(['/', '?', '#', '@']) {
            return Err(TeleportError::ProxyPath);
        }
        let (host, port) = split_host_port(value)?;
        let port = match port {
            None | Some(443) => None,
            Some(port) => Some(port),
        };
        Ok(Self { host, port })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// `host:port` with the port always written, 443 when none is given: the tbot chart's
    /// `teleportProxyAddress` "must contain the port number" (examples/chart/tbot/values.yaml).
    pub fn address_with_port(&self) -> String {
        format!("{}:{}", self.host, self.port.unwrap_or(443))
    }

    /// `host` or `host:port`, as a URL authority (443 left out, as Teleport does).
    pub fn authority(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }

    /// The `iss` of every JWT SVID and the URL of the AWS OIDC provider — they must be equal
    /// to the byte, so there is no trailing slash.
    pub fn issuer_url(&self) -> String {
        format!("https://{}{ISSUER_PATH}", self.authority())
    }

    /// The issuer without its scheme: the prefix of IAM condition keys (`…:aud`, `…:sub`) and
    /// the tail of the provider ARN.
    pub fn issuer_host_path(&self) -> String {
        format!("{}{ISSUER_PATH}", self.authority())
    }
}

impl std::fmt::Display for ProxyAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.authority())
    }
}

fn split_host_port(value: &str) -> Result<(String, Option<u16>), TeleportError> {
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or(TeleportError::ProxyHost)?;
        inside
            .parse::<std::net::Ipv6Addr>()
            .map_err(|_| TeleportError::ProxyHost)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(TeleportError::ProxyHost)?),
        };
        (format!("[{inside}]"), port)
    } else {
        let (host, port) = match value.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (value, None),
        };
        if host.parse::<std::net::Ipv4Addr>().is_err() && !is_dns_name(host) {
            return Err(TeleportError::ProxyHost);
        }
        (host.to_owned(), port)
    };
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(0) | Err(_) => return Err(TeleportError::ProxyPort),
            Ok(port) => Some(port),
        },
    };
    Ok((host, port))
}

fn is_dns_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Teleport role and bot names.
pub fn parse_resource_name(value: &str, kind: &'static str) -> Result<String, TeleportError> {
    let starts_alnum = value
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric());
    let chars_ok = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b));
    if value.len() > 64 || !starts_alnum || !chars_ok {
        return Err(TeleportError::ResourceName { kind });
    }
    Ok(value.to_owned())
}

/// `16.4.6`, `v17.0.0-dev.1` → (major, minor, patch); `None` if unreadable.
pub fn parse_version(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.trim().trim_start_matches('v');
    let core = core.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// A version answer, normalized (`v17.4.2` → `17.4.2`).
pub fn parse_version_answer(value: &str) -> Result<String, TeleportError> {
    parse_version(value)
        .map(|(major, minor, patch)| format!("{major}.{minor}.{patch}"))
        .ok_or(TeleportError::Version)
}

/// What the answers ask for: a generation, or the one the cluster's version calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiChoice {
    Auto,
    WorkloadIdentity,
    LegacySpiffe,
}

impl ApiChoice {
    pub const ALL: [ApiChoice; 3] = [Self::Auto, Self::WorkloadIdentity, Self::LegacySpiffe];
    /// The ids as written in `answers.yaml`, in [`Self::ALL`] order.
    pub const IDS: [&'static str; 3] = crate::domain::choice::choice_ids!(ApiChoice, 3);

    pub const fn id(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::WorkloadIdentity => TeleportApi::WorkloadIdentity.id(),
            Self::LegacySpiffe => TeleportApi::LegacySpiffe.id(),
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == value)
    }
}

/// How the Teleport side is written: resources for `tctl create`, Teleport's Terraform
/// provider (`teleport_workload_identity`: gravitational/teleport PR #50382, backported to 17
/// in #50511 and 16 in #50512), or the Teleport Kubernetes operator's resources (group
/// `resources.teleport.dev`: `TeleportWorkloadIdentityV1` and `TeleportRoleV7` of version v1,
/// `TeleportProvisionToken` of v2, `TeleportBotV1` of v1, as the CRDs in
/// `integrations/operator/config/crd/bases` declare them; the workload identity one arrived
/// with PR #53484).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AsCode {
    #[default]
    Tctl,
    Terraform,
    Operator,
}

impl AsCode {
    pub const ALL: [AsCode; 3] = [Self::Tctl, Self::Terraform, Self::Operator];
    pub const IDS: [&'static str; 3] = crate::domain::choice::choice_ids!(AsCode, 3);

    pub const fn id(self) -> &'static str {
        match self {
            Self::Tctl => "tctl",
            Self::Terraform => "terraform",
            Self::Operator => "operator",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == value)
    }
}

/// Where the Teleport operator and its objects go by default: the namespace Teleport's guide
/// "Standalone Kubernetes Operator" creates "that will contain both the operator Pods and the
/// CustomResources to configure Teleport" (`kubectl create namespace teleport-iac`).
pub const DEFAULT_OPERATOR_NAMESPACE: &str = "teleport-iac";

/// The version constraint of Teleport's Terraform provider: the cluster's major version. A
/// client may be at most one major version behind the cluster (Teleport's guides, e.g.
/// "Standalone Kubernetes Operator": "The tctl and tsh clients must be at most one major
/// version behind your Teleport cluster version"), and none ahead; the same major is both.
/// Without a known version: from 17.2.7 (the workload_identity API) up to the next major.
pub fn terraform_provider_constraint(version: Option<&str>) -> String {
    let major = version.and_then(|v| {
        v.trim_start_matches('v')
            .split('.')
            .next()?
            .parse::<u32>()
            .ok()
    });
    match major {
        Some(major) if major > 17 => format!(">= {major}.0.0, < {}.0.0", major + 1),
        _ => ">= 17.2.7, < 18.0.0".to_owned(),
    }
}

/// The two ways Teleport grants a workload its SPIFFE ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TeleportApi {
    /// A `workload_identity` resource, selected by role labels; tbot's `workload-identity-jwt`
    /// service (17.2.7 and later).
    WorkloadIdentity,
    /// The role's `spec.allow.spiffe`; tbot's `spiffe-svid` output (16.4.3 to 18.x; deprecated
    /// in 17, removed from tbot in 19).
    LegacySpiffe,
}

impl TeleportApi {
    pub const fn id(self) -> &'static str {
        match self {
            Self::WorkloadIdentity => "workload-identity",
            Self::LegacySpiffe => "legacy-spiffe",
        }
    }
}

pub const JWT_SVIDS_SINCE: (u64, u64, u64) = (16, 4, 3);
pub const WORKLOAD_IDENTITY_SINCE: (u64, u64, u64) = (17, 2, 7);
/// The first major version whose tbot has no `spiffe-svid` output.
pub const LEGACY_REMOVED_IN: u64 = 19;

/// The generation to render for `choice` on a cluster of `version` (unknown: the current one),
/// with why, and a warning for a legacy choice the cluster has deprecated.
pub fn resolve_api(
    choice: ApiChoice,
    version: Option<&str>,
) -> Result<(TeleportApi, String, Option<String>), TeleportError> {
    let parsed = version.and_then(parse_version);
    let version_text = || version.unwrap_or_default().to_owned();
    if let Some(v) = parsed
        && v < JWT_SVIDS_SINCE
    {
        return Err(TeleportError::NoJwtSvids {
            version: version_text(),
        });
    }
    let current = parsed.is_none_or(|v| v >= WORKLOAD_IDENTITY_SINCE);
    match (choice, parsed) {
        (ApiChoice::LegacySpiffe, Some(v)) if v.0 >= LEGACY_REMOVED_IN => {
            Err(TeleportError::LegacyRemoved {
                version: version_text(),
            })
        }
        (ApiChoice::WorkloadIdentity, Some(_)) if !current => {
            Err(TeleportError::NoWorkloadIdentity {
                version: version_text(),
            })
        }
        (ApiChoice::LegacySpiffe, _) => Ok((
            TeleportApi::LegacySpiffe,
            "chosen in teleport.api".into(),
            current.then(|| "teleport.api legacy-spiffe: role spec.allow.spiffe and tbot's spiffe-svid output are deprecated since Teleport 17 and removed from tbot in 19; move to workload-identity".to_owned()),
        )),
        (ApiChoice::WorkloadIdentity, _) => Ok((
            TeleportApi::WorkloadIdentity,
            "chosen in teleport.api".into(),
            None,
        )),
        (ApiChoice::Auto, None) => Ok((
            TeleportApi::WorkloadIdentity,
            "the cluster's version is not known: the current generation".into(),
            None,
        )),
        (ApiChoice::Auto, Some(_)) if current => Ok((
            TeleportApi::WorkloadIdentity,
            format!("Teleport {} is 17.2.7 or later", version_text()),
            None,
        )),
        (ApiChoice::Auto, Some(_)) => Ok((
            TeleportApi::LegacySpiffe,
            format!("Teleport {} predates the workload_identity resource (17.2.7)", version_text()),
            None,
        )),
    }
}

/// Written as the authority (`host[:port]`), as in `answers.yaml`.
impl serde::Serialize for ProxyAddress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.authority())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generation_follows_the_version_at_17_2_7_and_19() {
        let resolve = |choice, version| resolve_api(choice, Some(version)).map(|r| r.0);
        assert_eq!(
            resolve(ApiChoice::Auto, "17.2.6"),
            Ok(TeleportApi::LegacySpiffe)
        );
        assert_eq!(
            resolve(ApiChoice::Auto, "17.2.7"),
            Ok(TeleportApi::WorkloadIdentity)
        );
        assert_eq!(
            resolve_api(ApiChoice::Auto, None).map(|r| r.0),
            Ok(TeleportApi::WorkloadIdentity)
        );
        assert!(matches!(
            resolve(ApiChoice::LegacySpiffe, "19.0.0"),
            Err(TeleportError::LegacyRemoved { .. })
        ));
        assert!(matches!(
            resolve_api(ApiChoice::LegacySpiffe, Some("18.1.0")),
            Ok((TeleportApi::LegacySpiffe, _, Some(_)))
        ));
        assert!(matches!(
            resolve_api(ApiChoice::LegacySpiffe, Some("17.2.6")),
            Ok((TeleportApi::LegacySpiffe, _, None))
        ));
        assert!(matches!(
            resolve(ApiChoice::WorkloadIdentity, "17.2.6"),
            Err(TeleportError::NoWorkloadIdentity { .. })
        ));
        assert!(matches!(
            resolve(ApiChoice::Auto, "16.4.2"),
            Err(TeleportError::NoJwtSvids { .. })
        ));
    }

    #[test]
    fn issuer_drops_default_port_and_keeps_others() {
        let proxy = ProxyAddress::parse("example.teleport.sh:443").unwrap();
        assert_eq!(
            proxy.issuer_url(),
            "https://example.teleport.sh/workload-identity"
        );
        let proxy = ProxyAddress::parse("127.0.0.1:3080").unwrap();
        assert_eq!(
            proxy.issuer_url(),
            "https://127.0.0.1:3080/workload-identity"
        );
        let proxy = ProxyAddress::parse("[::1]:8443").unwrap();
        assert_eq!(proxy.issuer_host_path(), "[::1]:8443/workload-identity");
    }

    #[test]
    fn rejects_urls_and_bad_hosts() {
        assert_eq!(
            ProxyAddress::parse("https://example.com"),
            Err(TeleportError::ProxyScheme)
        );
        assert_eq!(
            ProxyAddress::parse("example.com/x"),
            Err(TeleportError::ProxyPath)
        );
        assert_eq!(
            ProxyAddress::parse("Example.com"),
            Err(TeleportError::ProxyHost)
        );
        assert_eq!(
            ProxyAddress::parse("example.com:0"),
            Err(TeleportError::ProxyPort)
        );
        assert_eq!(
            ProxyAddress::parse("example.com:99999"),
            Err(TeleportError::ProxyPort)
        );
        assert_eq!(
            ProxyAddress::parse("exa mple.com"),
            Err(TeleportError::ProxyHost)
        );
    }
}
