//! IAM Roles Anywhere, as Teleport and AWS document it: what tbot's service asks for, what
//! CreateSession accepts, and what the role's trust policy must say. The X.509 side (the SPIFFE
//! CA as a trust anchor, an SVID validated as Roles Anywhere validates it, the session tags it
//! derives) is in [`x509`].

pub mod agreement;
pub mod artifacts;
pub mod assigned;
pub mod doctor;
pub mod fleet;
pub mod live;
pub mod plan;
pub mod prove;
pub mod x509;

use crate::domain::aws::Partition;
use std::time::Duration;
use thiserror::Error;

/// tbot's service that exchanges an X.509 SVID for AWS credentials and writes them as an AWS
/// credentials file (gravitational/teleport `lib/tbot/services/awsra/config.go`, PR #52426).
pub const TBOT_SERVICE: &str = "workload-identity-aws-roles-anywhere";
/// The first Teleport release whose tbot has it: 17.4.0 (CHANGELOG "17.4.0 (03/27/25)":
/// "Introduced `workload-identity-aws-ra` service …", the v17 backport PR #53408); 18.0 and
/// later have it from the start.
pub const FIRST_TELEPORT_VERSION: (u64, u64, u64) = (17, 4, 0);
/// tbot's defaults and cap (`awsra/config.go`: `DefaultAWSSessionDuration`,
/// `MaxAWSSessionDuration`, `DefaultAWSSessionRenewalInterval`); the renewal interval must be
/// shorter than the session.
pub const DEFAULT_SESSION_DURATION: Duration = Duration::from_secs(6 * 3600);
pub const MAX_SESSION_DURATION: Duration = Duration::from_secs(12 * 3600);
pub const DEFAULT_SESSION_RENEWAL_INTERVAL: Duration = Duration::from_secs(3600);
/// The defaults as answers spell them.
pub const DEFAULT_SESSION_DURATION_TEXT: &str = "6h";
pub const DEFAULT_SESSION_RENEWAL_TEXT: &str = "1h";
/// How many roles one profile may list (API reference, ProfileDetail `roleArns`: "Maximum
/// number of 50 items").
pub const MAX_PROFILE_ROLES: usize = 50;
/// Trust anchor and profile names (API reference, CreateTrustAnchor/CreateProfile `name`:
/// length 1 to 255, pattern `^[ a-zA-Z0-9-_]*$`).
pub const MAX_NAME_LENGTH: usize = 255;

/// Whether the artifacts create the trust anchor or refer to one the region has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnchorMode {
    Create,
    Existing,
}

impl AnchorMode {
    pub const ALL: [AnchorMode; 2] = [Self::Create, Self::Existing];
    pub const IDS: [&'static str; 2] = crate::domain::choice::choice_ids!(AnchorMode, 2);

    pub const fn id(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Existing => "existing",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.id() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameProblem {
    #[error("a {kind} name is 1 to {MAX_NAME_LENGTH} characters, not {0}", .length)]
    Length { kind: &'static str, length: usize },
    #[error("a {kind} name has only letters, digits, spaces, '-' and '_'")]
    Character { kind: &'static str },
}

impl crate::answers::problem::Advice for NameProblem {
    fn fix(&self) -> String {
        "use letters, digits, '-' and '_', e.g. example-teleport-sh-spiffe".into()
    }
}

/// A trust anchor's or profile's name, as CreateTrustAnchor and CreateProfile accept it.
pub fn parse_name(value: &str, kind: &'static str) -> Result<String, NameProblem> {
    if value.is_empty() || value.chars().count() > MAX_NAME_LENGTH {
        return Err(NameProblem::Length {
            kind,
            length: value.chars().count(),
        });
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_'))
    {
        return Err(NameProblem::Character { kind });
    }
    Ok(value.to_owned())
}

/// The file tbot writes in its destination unless `artifact_name` says otherwise.
pub const DEFAULT_ARTIFACT_NAME: &str = "aws_credentials";
/// CreateSession's `durationSeconds`: 900 to 43,200 seconds (AWS, "IAM Roles Anywhere
/// CreateSession API").
pub const CREATE_SESSION_SECONDS: std::ops::RangeInclusive<u64> = 900..=43_200;

/// The service principal the role must trust, and the actions it must allow it (AWS, "IAM
/// Roles Anywhere trust model": "The policy must grant the permissions: sts:AssumeRole,
/// sts:SetSourceIdentity, sts:TagSession").
pub const SERVICE_PRINCIPAL: &str = "rolesanywhere.amazonaws.com";
pub const TRUST_ACTIONS: [&str; 3] = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"];
/// The conditions that tie the role to one workload and one anchor (Teleport's guide,
/// "Create a Role"): the SVID's URI SAN as Roles Anywhere tags the session with it, and the
/// trust anchor the request came through.
pub const SPIFFE_ID_CONDITION_KEY: &str = "aws:PrincipalTag/x509SAN/URI";
pub const ANCHOR_CONDITION_KEY: &str = "aws:SourceArn";

/// Why tbot's `session_duration` and `session_renewal_interval` would not work.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SessionProblem {
    #[error("{field} {value:?} is not a duration (numbers with units h, m or s, like 6h or 90m)")]
    Unreadable { field: &'static str, value: String },
    #[error("session_duration {0} is over tbot's cap of 12h")]
    TooLong(String),
    #[error("session_duration {0} is under CreateSession's minimum of 900 seconds (15m)")]
    TooShort(String),
    #[error(
        "session_renewal_interval {renewal} is not shorter than session_duration {duration}: the credentials file would hold expired credentials until tbot renews them"
    )]
    RenewalNotShorter { renewal: String, duration: String },
}

/// The session tbot asks CreateSession for and how often it renews it, in seconds, under
/// tbot's own rules (`awsra/config.go` `CheckAndSetDefaults`: an unset value takes its default,
/// the duration at most 12h, the renewal shorter than the duration) and CreateSession's
/// minimum of 900 seconds. `None` is an unset value.
pub fn tbot_session(
    duration: Option<&str>,
    renewal: Option<&str>,
) -> Result<(u64, u64), SessionProblem> {
    // tbot reads a zero duration as unset, and gives it the default.
    let seconds = |field: &'static str, value: Option<&str>, default: Duration| match value {
        None => Ok(default.as_secs()),
        Some(text) => match crate::domain::tbot::duration_secs(text) {
            Ok(0) => Ok(default.as_secs()),
            Ok(seconds) => Ok(seconds),
            Err(_) => Err(SessionProblem::Unreadable {
                field,
                value: text.to_owned(),
            }),
        },
    };
    let duration_secs = seconds("session_duration", duration, DEFAULT_SESSION_DURATION)?;
    let renewal_secs = seconds(
        "session_renewal_interval",
        renewal,
        DEFAULT_SESSION_RENEWAL_INTERVAL,
    )?;
    let said = |value: Option<&str>, default: &str| value.unwrap_or(default).to_owned();
    if duration_secs > MAX_SESSION_DURATION.as_secs() {
        return Err(SessionProblem::TooLong(said(duration, "6h")));
    }
    if duration_secs < *CREATE_SESSION_SECONDS.start() {
        return Err(SessionProblem::TooShort(said(duration, "6h")));
    }
    if renewal_secs >= duration_secs {
        return Err(SessionProblem::RenewalNotShorter {
            renewal: said(renewal, "1h"),
            duration: said(duration, "6h"),
        });
    }
    Ok((duration_secs, renewal_secs))
}

/// What a Roles Anywhere ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    TrustAnchor,
    Profile,
}

impl ResourceKind {
    fn word(self) -> &'static str {
        match self {
            Self::TrustAnchor => "trust-anchor",
            Self::Profile => "profile",
        }
    }
}

/// A trust anchor's or a profile's ARN, read apart:
/// `arn:<partition>:rolesanywhere:<region>:<account>:<trust-anchor|profile>/<id>`, where AWS
/// assigns the id (a UUID) when it creates the resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceArn {
    pub partition: Partition,
    pub region: String,
    pub account_id: String,
    pub kind: ResourceKind,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArnError {
    #[error(
        "a Roles Anywhere {kind} ARN reads arn:PARTITION:rolesanywhere:REGION:ACCOUNT:{kind}/ID"
    )]
    Shape { kind: &'static str },
    #[error("{0:?} is not an AWS partition")]
    Partition(String),
    #[error("the account is 12 digits, not {0:?}")]
    Account(String),
    #[error("the id AWS assigns is a UUID (8-4-4-4-12 hexadecimal digits), not {0:?}")]
    Id(String),
}

impl ResourceArn {
    pub fn parse(text: &str, kind: ResourceKind) -> Result<Self, ArnError> {
        let shape = || ArnError::Shape { kind: kind.word() };
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return Err(shape());
        };
        if arn != "arn" || service != "rolesanywhere" || region.is_empty() {
            return Err(shape());
        }
        let partition = Partition::ALL
            .into_iter()
            .find(|p| p.id() == partition)
            .ok_or_else(|| ArnError::Partition(partition.to_owned()))?;
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ArnError::Account(account.to_owned()));
        }
        let id = resource
            .strip_prefix(kind.word())
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(shape)?;
        if !is_uuid(id) {
            return Err(ArnError::Id(id.to_owned()));
        }
        Ok(Self {
            partition,
            region: region.to_owned(),
            account_id: account.to_owned(),
            kind,
            id: id.to_owned(),
        })
    }
}

impl std::fmt::Display for ResourceArn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "arn:{}:rolesanywhere:{}:{}:{}/{}",
            self.partition.id(),
            self.region,
            self.account_id,
            self.kind.word(),
            self.id
        )
    }
}

/// 8-4-4-4-12 hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_and_profile_arns_read_back_exactly() {
        let text = "arn:aws:rolesanywhere:us-west-2:123456789012:trust-anchor/15f2a697-4b5d-42ae-9b9b-759f9250f4cd";
        let arn = ResourceArn::parse(text, ResourceKind::TrustAnchor).expect("an anchor ARN");
        assert_eq!(arn.region, "us-west-2");
        assert_eq!(arn.id, "15f2a697-4b5d-42ae-9b9b-759f9250f4cd");
        assert_eq!(arn.to_string(), text);
        let profile = "arn:aws-us-gov:rolesanywhere:us-gov-west-1:123456789012:profile/8260c238-fcb4-4d83-a529-e673b5b551d4";
        assert_eq!(
            ResourceArn::parse(profile, ResourceKind::Profile)
                .expect("a profile ARN")
                .to_string(),
            profile
        );
    }

    #[test]
    fn tbot_sessions_follow_tbots_rules() {
        assert_eq!(tbot_session(None, None), Ok((6 * 3600, 3600)));
        assert_eq!(
            tbot_session(Some("12h"), Some("11h59m")),
            Ok((43_200, 43_140))
        );
        assert_eq!(
            tbot_session(Some("13h"), None),
            Err(SessionProblem::TooLong("13h".into()))
        );
        assert_eq!(
            tbot_session(Some("10m"), Some("5m")),
            Err(SessionProblem::TooShort("10m".into()))
        );
        // The default renewal of 1h against a session of 1h: never renewed in time.
        assert_eq!(
            tbot_session(Some("1h"), None),
            Err(SessionProblem::RenewalNotShorter {
                renewal: "1h".into(),
                duration: "1h".into()
            })
        );
        assert_eq!(tbot_session(Some("0s"), Some("0m")), Ok((6 * 3600, 3600)));
        assert!(matches!(
            tbot_session(None, Some("soon")),
            Err(SessionProblem::Unreadable {
                field: "session_renewal_interval",
                ..
            })
        ));
    }

    #[test]
    fn near_miss_arns_say_what_is_wrong() {
        let anchor = |text: &str| ResourceArn::parse(text, ResourceKind::TrustAnchor).err();
        // A profile's ARN where the anchor's is asked for.
        assert_eq!(
            anchor(
                "arn:aws:rolesanywhere:us-east-1:123456789012:profile/15f2a697-4b5d-42ae-9b9b-759f9250f4cd"
            ),
            Some(ArnError::Shape {
                kind: "trust-anchor"
            })
        );
        // Teleport's guide's own placeholder has 7 digits in its first group.
        assert!(matches!(
            anchor(
                "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0000000-0000-0000-0000-000000000000"
            ),
            Some(ArnError::Id(_))
        ));
        assert!(matches!(
            anchor(
                "arn:aws:rolesanywhere:us-east-1:12345789:trust-anchor/15f2a697-4b5d-42ae-9b9b-759f9250f4cd"
            ),
            Some(ArnError::Account(_))
        ));
        assert!(matches!(
            anchor("arn:aws:iam::123456789012:role/x"),
            Some(ArnError::Shape { .. })
        ));
        assert!(matches!(
            anchor(
                "arn:amazon:rolesanywhere:us-east-1:123456789012:trust-anchor/15f2a697-4b5d-42ae-9b9b-759f9250f4cd"
            ),
            Some(ArnError::Partition(_))
        ));
    }
}
