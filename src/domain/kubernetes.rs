//! Where the workload runs (`tbot.runs_on`) and, on Kubernetes, the rules of the names a set
//! writes there: its namespace, service accounts, Deployment, container and Secret.
//!
//! On Kubernetes tbot runs from Teleport's `tbot` Helm chart (gravitational/teleport
//! `examples/chart/tbot`), joins with the `kubernetes` join method, and writes each artifact of
//! its service as one key of a Kubernetes Secret (`lib/tbot/config/destination_kubernetes_secret.go`:
//! `secret.Data[name] = data`, in the namespace of `POD_NAMESPACE`). The workload's Pod mounts
//! that Secret, so the file the AWS SDK reads is the mount path joined with the key.

use crate::answers::advice::Advice;
use thiserror::Error;

/// Where tbot and the workload run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunsOn {
    /// A machine where tbot is deployed already and writes to a directory: the seed guide's
    /// case, and the output of every set before this choice existed.
    #[default]
    Host,
    Kubernetes,
}

impl RunsOn {
    pub const ALL: [RunsOn; 2] = [Self::Host, Self::Kubernetes];
    pub const IDS: [&'static str; 2] = crate::domain::choice::choice_ids!(RunsOn, 2);

    pub const fn id(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Kubernetes => "kubernetes",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|choice| choice.id() == value)
    }
}

pub const DEFAULT_NAMESPACE: &str = "default";

/// The annotation that makes EKS's pod identity webhook inject `AWS_ROLE_ARN` and
/// `AWS_WEB_IDENTITY_TOKEN_FILE` (IRSA) into every container of a Pod that runs as the
/// service account, and the Pod annotation that makes it leave the named containers alone
/// (aws/amazon-eks-pod-identity-webhook, README "Usage").
pub const EKS_ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
pub const EKS_SKIP_CONTAINERS: &str = "eks.amazonaws.com/skip-containers";
/// Where IRSA's token is mounted, which the webhook names in `AWS_WEB_IDENTITY_TOKEN_FILE`.
pub const EKS_TOKEN_DIR: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount";

/// Helm refuses a release name longer than this (helm `pkg/chartutil/validate_name.go`,
/// `maxReleaseNameLen = 53`, checked by `ValidateReleaseName`), and the bot's service account
/// is named after its release.
pub const MAX_RELEASE_NAME: usize = 53;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum KubernetesError {
    #[error(
        "a Kubernetes {what} is 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit (an RFC 1123 label)"
    )]
    NotALabel { what: &'static str },
    #[error(
        "a Kubernetes {what} is 1-{max} lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit (an RFC 1123 subdomain)"
    )]
    NotASubdomain { what: &'static str, max: usize },
    #[error(
        "the workload's service account is the bot's: the workload could join Teleport as the bot, and the chart lets that account change every Secret in the namespace"
    )]
    SharedServiceAccount,
    #[error("{key} only applies with tbot.runs_on: kubernetes")]
    OnlyOnKubernetes { key: &'static str },
}

impl Advice for KubernetesError {
    fn fix(&self) -> String {
        match self {
            Self::NotALabel { .. } => "use a name such as payments-api".into(),
            Self::NotASubdomain { .. } => "use a name such as payments-api".into(),
            Self::SharedServiceAccount => {
                "give tbot.bot_service_account another name (its default is tbot-<deployment>)"
                    .into()
            }
            Self::OnlyOnKubernetes { key } => {
                format!("set tbot.runs_on: kubernetes, or leave {key} out")
            }
        }
    }
}

/// An RFC 1123 label, as Kubernetes names namespaces and containers
/// (kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names).
pub fn parse_label(value: &str, what: &'static str) -> Result<String, KubernetesError> {
    match is_label(value) {
        true => Ok(value.to_owned()),
        false => Err(KubernetesError::NotALabel { what }),
    }
}

/// An RFC 1123 subdomain of at most `max` characters, as Kubernetes names Deployments,
/// service accounts and Secrets (253; names.md#dns-subdomain-names), and Helm releases (53).
pub fn parse_subdomain(
    value: &str,
    what: &'static str,
    max: usize,
) -> Result<String, KubernetesError> {
    let valid = !value.is_empty() && value.len() <= max && value.split('.').all(is_label);
    match valid {
        true => Ok(value.to_owned()),
        false => Err(KubernetesError::NotASubdomain { what, max }),
    }
}

fn is_label(value: &str) -> bool {
    let bytes = value.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

/// The Deployment's default name: the SPIFFE path's last segment as an RFC 1123 label
/// (`/svc/Example_Service` → `example-service`); `None` when nothing of it is left.
pub fn default_deployment(spiffe_path: &str) -> Option<String> {
    let last = spiffe_path.rsplit('/').find(|s| !s.is_empty())?;
    let mut name: String = last
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .collect();
    name.truncate(63 - "-workload-identity".len());
    let name = name.trim_matches('-').to_owned();
    is_label(&name).then_some(name)
}

/// The Secret tbot writes by default: named after the Deployment that mounts it.
pub fn default_secret(deployment: &str) -> String {
    format!("{deployment}-workload-identity")
}

/// The bot's service account, and the Helm release of its tbot, by default: `tbot-` and the
/// Deployment, cut to a release name's length.
pub fn default_bot_service_account(deployment: &str) -> String {
    let mut name = format!("tbot-{deployment}");
    name.truncate(MAX_RELEASE_NAME);
    name.trim_end_matches(['-', '.']).to_owned()
}

/// The join token's name: made of what it allows, so two workloads that share it share all of
/// it (`<bot>-<namespace>-<service account>`).
pub fn join_token_name(bot: &str, namespace: &str, bot_service_account: &str) -> String {
    format!("{bot}-{namespace}-{bot_service_account}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_rfc_1123() {
        for good in ["a", "payments-api", "x1", &"a".repeat(63)] {
            assert!(parse_label(good, "namespace").is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", &"a".repeat(64)] {
            assert!(parse_label(bad, "namespace").is_err(), "{bad:?}");
        }
        assert!(parse_subdomain("tbot.payments", "secret", 253).is_ok());
        for bad in ["a..b", ".a", "a.", "A.b", "a/b"] {
            assert!(parse_subdomain(bad, "secret", 253).is_err(), "{bad:?}");
        }
        assert!(parse_subdomain(&"a".repeat(54), "release", MAX_RELEASE_NAME).is_err());
    }

    #[test]
    fn defaults_are_valid_names() {
        assert_eq!(
            default_deployment("/svc/Example_Service").as_deref(),
            Some("example-service")
        );
        assert_eq!(default_deployment("/svc/___"), None);
        let long = default_deployment(&format!("/svc/{}", "x".repeat(200))).unwrap();
        assert!(parse_subdomain(&default_secret(&long), "secret", 253).is_ok());
        let account = default_bot_service_account(&long);
        assert!(parse_subdomain(&account, "release", MAX_RELEASE_NAME).is_ok());
    }
}
