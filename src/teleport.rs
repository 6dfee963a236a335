//! Teleport facts: the proxy's public address, the Workload Identity issuer it implies, and the
//! names of Teleport resources (roles, bots).

use crate::advice::Advice;
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
}

impl Advice for TeleportError {
    fn fix(&self) -> String {
        match self {
            Self::ProxyScheme | Self::ProxyPath => "give only the host, e.g. example.teleport.sh (the issuer URL https://HOST/workload-identity is built from it)".into(),
            Self::ProxyHost => "use the proxy's public address exactly as `tsh status` shows it, in lowercase".into(),
            Self::ProxyPort => "leave the port out for 443, or write host:3080".into(),
            Self::ResourceName { kind } => format!("use a name like my-workload-aws (see `tctl get {kind}s`)"),
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
