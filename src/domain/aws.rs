//! AWS names, partitions, regions and ARNs, with IAM's and S3's own rules.
//!
//! Everything here is pure. The ARN builders are the one place ARNs are spelled, so the
//! `arn:aws:iam:123…` typo of the upstream guide (a missing empty region field) cannot recur.

use crate::answers::advice::Advice;
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Partition {
    Aws,
    AwsCn,
    AwsUsGov,
    AwsIso,
    AwsIsoB,
    AwsIsoE,
    AwsIsoF,
    AwsEusc,
}

impl Partition {
    pub const ALL: [Partition; 8] = [
        Self::Aws,
        Self::AwsCn,
        Self::AwsUsGov,
        Self::AwsIso,
        Self::AwsIsoB,
        Self::AwsIsoE,
        Self::AwsIsoF,
        Self::AwsEusc,
    ];

    /// The ids as written in `answers.yaml`, in [`Self::ALL`] order: the one list every front
    /// end offers and the validator accepts.
    pub const IDS: [&'static str; 8] = crate::domain::choice::choice_ids!(Partition, 8);

    pub const fn id(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::AwsCn => "aws-cn",
            Self::AwsUsGov => "aws-us-gov",
            Self::AwsIso => "aws-iso",
            Self::AwsIsoB => "aws-iso-b",
            Self::AwsIsoE => "aws-iso-e",
            Self::AwsIsoF => "aws-iso-f",
            Self::AwsEusc => "aws-eusc",
        }
    }

    pub fn default_region(self) -> &'static str {
        match self {
            Self::Aws => "us-east-1",
            Self::AwsCn => "cn-north-1",
            Self::AwsUsGov => "us-gov-west-1",
            Self::AwsIso => "us-iso-east-1",
            Self::AwsIsoB => "us-isob-east-1",
            Self::AwsIsoE => "eu-isoe-west-1",
            Self::AwsIsoF => "us-isof-south-1",
            Self::AwsEusc => "eusc-de-east-1",
        }
    }

    /// The partition a region belongs to, read from its prefix.
    pub fn of_region(region: &str) -> Partition {
        const PREFIXES: [(&str, Partition); 7] = [
            ("us-gov-", Partition::AwsUsGov),
            ("cn-", Partition::AwsCn),
            ("us-isob-", Partition::AwsIsoB),
            ("us-isof-", Partition::AwsIsoF),
            ("eu-isoe-", Partition::AwsIsoE),
            ("us-iso-", Partition::AwsIso),
            ("eusc-", Partition::AwsEusc),
        ];
        PREFIXES
            .iter()
            .find(|(prefix, _)| region.starts_with(prefix))
            .map_or(Partition::Aws, |(_, partition)| *partition)
    }

    pub fn parse(value: &str) -> Result<Self, AwsError> {
        Self::ALL
            .into_iter()
            .find(|p| p.id() == value)
            .ok_or(AwsError::UnknownPartition)
    }
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AwsError {
    #[error("an AWS account ID is exactly 12 digits")]
    AccountId,
    #[error(
        "not a partition AWS knows (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)"
    )]
    UnknownPartition,
    #[error("a region looks like us-east-1: lowercase words joined by '-', ending in a number")]
    RegionFormat,
    #[error(
        "region {region:?} is in partition {region_partition}, but aws.partition is {partition}"
    )]
    RegionPartition {
        region: String,
        region_partition: Partition,
        partition: Partition,
    },
    #[error("IAM {kind} names are 1-{max} characters of letters, digits and + = , . @ _ -")]
    IamName { kind: &'static str, max: usize },
    #[error(
        "an IAM path is '/' or starts and ends with '/', at most 512 printable ASCII characters, no spaces"
    )]
    IamPath,
    #[error("S3 bucket names are 3-63 characters")]
    BucketLength,
    #[error("S3 bucket names hold only lowercase letters, digits, '.' and '-'")]
    BucketChars,
    #[error("S3 bucket names start and end with a letter or digit")]
    BucketEnds,
    #[error("S3 bucket names may not contain '..', '.-' or '-.'")]
    BucketAdjacent,
    #[error("S3 bucket names may not look like an IP address")]
    BucketIpLike,
    #[error("S3 reserves bucket names starting with {0:?}")]
    BucketReservedPrefix(&'static str),
    #[error("S3 reserves bucket names ending with {0:?}")]
    BucketReservedSuffix(&'static str),
    #[error("AWS profile names are 1-64 characters of letters, digits, '.', '_' and '-'")]
    ProfileName,
    #[error(
        "the profile `default` is written as [default], not [profile default]; a workload profile should have its own name"
    )]
    ProfileDefault,
    #[error("an OIDC audience (client ID) is 1-255 printable characters without spaces")]
    Audience,
    #[error(
        "an IAM action is `service:Action`, e.g. s3:GetObject (wildcards * and ? allowed in the action)"
    )]
    ActionFormat,
    #[error("the permissions apply to an S3 bucket, so every action must start with `s3:`")]
    ActionNotS3,
    #[error("the custom access preset needs at least one action in aws.actions")]
    NoActions,
    #[error("aws.actions is only read when aws.access is `custom`")]
    ActionsWithoutCustom,
    #[error("there is no bucket to create: access none names no aws.bucket")]
    CreateWithoutBucket,
    #[error(
        "a managed policy ARN reads arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME (ACCOUNT is `aws` for an AWS managed policy)"
    )]
    PolicyArn,
    #[error("the policy is in partition {arn_partition}, but aws.partition is {partition}")]
    PolicyArnPartition {
        arn_partition: String,
        partition: Partition,
    },
    #[error(
        "the role would carry {attached} managed policies (its own and these), more than AWS allows on one role ({})",
        crate::domain::quotas::MANAGED_POLICIES_PER_ROLE.max
    )]
    TooManyManagedPolicies { attached: usize },
    #[error("a role's longest session is 3600 to 43200 seconds (1 to 12 hours)")]
    MaxSessionDuration,
    #[error(
        "a tag is KEY=VALUE: a key of 1 to 128 and a value of up to 256 letters, digits, spaces and _ . : / = + - @"
    )]
    Tag,
    #[error("tags starting with aws: are AWS's own")]
    TagReserved,
    #[error(
        "created-by is the tag wi-aws gives what it creates (teardown.sh deletes only what has it)"
    )]
    TagCreatedBy,
    #[error("the tag {0} is given twice")]
    TagTwice(String),
    #[error("{0} tags and wi-aws's created-by are more than the 50 an IAM resource holds")]
    TooManyTags(usize),
}

impl Advice for AwsError {
    fn fix(&self) -> String {
        match self {
            Self::AccountId => "copy it from `aws sts get-caller-identity --query Account`; if it starts with 0, quote it in YAML (\"012345678901\")".into(),
            Self::UnknownPartition => "use `aws` for commercial regions, `aws-us-gov` for GovCloud, `aws-cn` for China".into(),
            Self::RegionFormat => "use a region code such as us-east-1 or eu-west-2 (not a name like \"N. Virginia\")".into(),
            Self::RegionPartition { region_partition, .. } => format!("set aws.partition to {region_partition}, or pick a region of the partition"),
            Self::IamName { .. } => "replace spaces and other characters with '-'".into(),
            Self::IamPath => "use '/' or something like /workloads/".into(),
            Self::BucketLength | Self::BucketChars | Self::BucketEnds | Self::BucketAdjacent => "use lowercase letters, digits and '-', e.g. my-team-workload-data".into(),
            Self::BucketIpLike | Self::BucketReservedPrefix(_) | Self::BucketReservedSuffix(_) => "choose another name, e.g. my-team-workload-data".into(),
            Self::ProfileName => "use something like workload-id-demo".into(),
            Self::ProfileDefault => "pick a name such as workload-id-demo and pass --profile, or use aws/env".into(),
            Self::Audience => "keep the default sts.amazonaws.com unless your provider lists another client ID".into(),
            Self::ActionFormat | Self::ActionNotS3 => "write actions like s3:GetObject, s3:PutObject, s3:ListBucket".into(),
            Self::NoActions => "list actions under aws.actions, or pick the read-only, read-write or write-only preset".into(),
            Self::PolicyArn => "copy the ARN `aws iam list-policies --query 'Policies[].Arn'` prints, e.g. arn:aws:iam::123456789012:policy/boundaries/workloads".into(),
            Self::PolicyArnPartition { partition, .. } => format!("use the policy's ARN in {partition}, where the role is"),
            Self::ActionsWithoutCustom => "set aws.access: custom, or remove aws.actions".into(),
            Self::CreateWithoutBucket => "name the bucket in aws.bucket, or remove aws.create_bucket".into(),
            Self::MaxSessionDuration => "write whole seconds, e.g. 14400 for 4 hours".into(),
            Self::Tag => "write each as KEY=VALUE, e.g. team=payments".into(),
            Self::TagReserved => "choose another key or value".into(),
            Self::TagCreatedBy => "leave created-by out: wi-aws adds it".into(),
            Self::TagTwice(_) => "give each key once".into(),
            Self::TooManyTags(_) => "keep at most 49 tags".into(),
            Self::TooManyManagedPolicies { .. } => "attach fewer: combine them into one policy of the account's own (its document up to 6,144 characters)".into(),
        }
    }
}

fn is_iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

pub fn parse_account_id(value: &str) -> Result<String, AwsError> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(AwsError::AccountId)
    }
}

pub fn parse_region(value: &str, partition: Partition) -> Result<String, AwsError> {
    let words: Vec<&str> = value.split('-').collect();
    let well_formed = words.len() >= 3
        && words[..words.len() - 1]
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && words[words.len() - 1].len() <= 2
        && !words[words.len() - 1].is_empty()
        && words[words.len() - 1].bytes().all(|b| b.is_ascii_digit());
    if !well_formed {
        return Err(AwsError::RegionFormat);
    }
    let region_partition = Partition::of_region(value);
    if region_partition != partition {
        return Err(AwsError::RegionPartition {
            region: value.to_owned(),
            region_partition,
            partition,
        });
    }
    Ok(value.to_owned())
}

/// IAM role names: 1-64 of `[\w+=,.@-]`.
pub fn parse_role_name(value: &str) -> Result<String, AwsError> {
    parse_iam_name(value, "role", 64)
}

/// IAM policy names: 1-128 of `[\w+=,.@-]`.
pub fn parse_policy_name(value: &str) -> Result<String, AwsError> {
    parse_iam_name(value, "policy", 128)
}

/// A managed policy's ARN, as a permissions boundary takes it (IAM API, CreateRole
/// `PermissionsBoundary`: "The ARN of the managed policy"; ARN format, IAM User Guide "IAM
/// identifiers": `arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME`, ACCOUNT `aws` for AWS managed
/// policies), in the role's partition.
pub fn parse_policy_arn(value: &str, partition: Option<Partition>) -> Result<String, AwsError> {
    let mut parts = value.splitn(6, ':');
    let (Some("arn"), Some(arn_partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(AwsError::PolicyArn);
    };
    let account_ok = account == "aws" || parse_account_id(account).is_ok();
    let Some(path_and_name) = resource.strip_prefix("policy/") else {
        return Err(AwsError::PolicyArn);
    };
    let (path, name) = match path_and_name.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_owned(), path_and_name),
    };
    if !account_ok || parse_policy_name(name).is_err() || parse_iam_path(&path).is_err() {
        return Err(AwsError::PolicyArn);
    }
    let known = Partition::parse(arn_partition).map_err(|_| AwsError::PolicyArn)?;
    match partition {
        Some(partition) if partition != known => Err(AwsError::PolicyArnPartition {
            arn_partition: arn_partition.to_owned(),
            partition,
        }),
        _ => Ok(value.to_owned()),
    }
}

/// A role's `MaxSessionDuration`: 3,600 to 43,200 seconds (IAM API reference, CreateRole and
/// UpdateRole `MaxSessionDuration`: "from 1 hour to 12 hours"), kept as the seconds it is.
pub fn parse_max_session_duration(value: &str) -> Result<u64, AwsError> {
    match value.parse::<u64>() {
        Ok(seconds) if (3600..=43_200).contains(&seconds) => Ok(seconds),
        _ => Err(AwsError::MaxSessionDuration),
    }
}

/// A tag of the resources wi-aws creates, as `aws.tags` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// The tag wi-aws gives everything it creates, key and value: the teardown scripts take away
/// only what carries it, so an answer may not give it.
pub const CREATED_BY: (&str, &str) = ("created-by", "wi-aws");

/// At most 50 tags on an IAM resource (IAM User Guide, "Tagging IAM resources"; the common
/// AWS tag rule), wi-aws's `created-by` among them.
pub const MAX_TAGS: usize = 50;

/// `KEY=VALUE` (the key is before the first `=`), each part as IAM's Tag type allows it (IAM
/// API reference, Tag: Key 1-128 and Value 0-256 of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`), neither
/// starting with `aws:` in any case (reserved for AWS), and not wi-aws's own `created-by`.
pub fn parse_tag(value: &str) -> Result<Tag, AwsError> {
    let (key, value) = value.split_once('=').ok_or(AwsError::Tag)?;
    let (key, value) = (key.trim(), value.trim());
    let allowed = |text: &str| {
        text.chars().all(|c| {
            c.is_alphabetic()
                || c.is_numeric()
                || (c.is_whitespace() && !c.is_control())
                || "_.:/=+-@".contains(c)
        })
    };
    let (keys, values) = (key.chars().count(), value.chars().count());
    if !(1..=128).contains(&keys) || values > 256 || !allowed(key) || !allowed(value) {
        return Err(AwsError::Tag);
    }
    let reserved = |text: &str| {
        text.get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
    };
    if reserved(key) || reserved(value) {
        return Err(AwsError::TagReserved);
    }
    if key == CREATED_BY.0 {
        return Err(AwsError::TagCreatedBy);
    }
    Ok(Tag {
        key: key.to_owned(),
        value: value.to_owned(),
    })
}

/// STS role session names: 2-64 of `[\w+=,.@-]`.
pub fn parse_session_name(value: &str) -> Result<String, AwsError> {
    if value.len() < 2 {
        return Err(AwsError::IamName {
            kind: "role session",
            max: 64,
        });
    }
    parse_iam_name(value, "role session", 64)
}

fn parse_iam_name(value: &str, kind: &'static str, max: usize) -> Result<String, AwsError> {
    if value.is_empty() || value.len() > max || !value.chars().all(is_iam_name_char) {
        return Err(AwsError::IamName { kind, max });
    }
    Ok(value.to_owned())
}

/// IAM paths: `/` or `/a/b/`, printable ASCII without spaces, at most 512 characters.
pub fn parse_iam_path(value: &str) -> Result<String, AwsError> {
    let printable = value.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if value.len() > 512
        || !printable
        || !value.starts_with('/')
        || !value.ends_with('/')
        || value.contains("//")
    {
        return Err(AwsError::IamPath);
    }
    Ok(value.to_owned())
}

/// S3 general purpose bucket naming rules.
pub fn parse_bucket_name(value: &str) -> Result<String, AwsError> {
    const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
    const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    if !(3..=63).contains(&value.len()) {
        return Err(AwsError::BucketLength);
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Err(AwsError::BucketChars);
    }
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(value.as_bytes()[0]) || !alnum(value.as_bytes()[value.len() - 1]) {
        return Err(AwsError::BucketEnds);
    }
    if value.contains("..") || value.contains(".-") || value.contains("-.") {
        return Err(AwsError::BucketAdjacent);
    }
    if value.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(AwsError::BucketIpLike);
    }
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| value.starts_with(*p)) {
        return Err(AwsError::BucketReservedPrefix(prefix));
    }
    if let Some(suffix) = RESERVED_SUFFIXES.iter().find(|s| value.ends_with(*s)) {
        return Err(AwsError::BucketReservedSuffix(suffix));
    }
    Ok(value.to_owned())
}

pub fn parse_profile_name(value: &str) -> Result<String, AwsError> {
    if value == "default" {
        return Err(AwsError::ProfileDefault);
    }
    if value.is_empty()
        || value.len() > 64
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(AwsError::ProfileName);
    }
    Ok(value.to_owned())
}

pub fn parse_audience(value: &str) -> Result<String, AwsError> {
    if value.is_empty() || value.len() > 255 || !value.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(AwsError::Audience);
    }
    Ok(value.to_owned())
}

/// A custom IAM action for the S3 bucket: `s3:Name`, the name made of letters and `*`/`?`.
pub fn parse_s3_action(value: &str) -> Result<String, AwsError> {
    let Some((service, action)) = value.split_once(':') else {
        return Err(AwsError::ActionFormat);
    };
    let service_ok = !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let action_ok = !action.is_empty()
        && action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?');
    if !service_ok || !action_ok {
        return Err(AwsError::ActionFormat);
    }
    if service != "s3" {
        return Err(AwsError::ActionNotS3);
    }
    Ok(value.to_owned())
}

/// The audience (client ID) STS expects in web identity tokens.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";

/// Whether the artifacts create the IAM OIDC provider or refer to one the account has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderMode {
    /// The artifacts create the IAM OIDC provider.
    Create,
    /// The account already has a provider for this issuer; the artifacts only refer to it.
    Existing,
}

impl ProviderMode {
    pub const ALL: [ProviderMode; 2] = [Self::Create, Self::Existing];
    /// The ids as written in `answers.yaml`, in [`Self::ALL`] order.
    pub const IDS: [&'static str; 2] = crate::domain::choice::choice_ids!(ProviderMode, 2);

    pub const fn id(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Existing => "existing",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == value)
    }
}

/// What the workload may do with the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessPreset {
    /// `s3:*` on the bucket and its objects, as in the upstream guide.
    Full,
    ReadOnly,
    ReadWrite,
    WriteOnly,
    Custom,
    /// No S3 access: the role's own policy is the policy file's, and the bucket is optional.
    None,
}

impl AccessPreset {
    pub const ALL: [AccessPreset; 6] = [
        Self::Full,
        Self::ReadOnly,
        Self::ReadWrite,
        Self::WriteOnly,
        Self::Custom,
        Self::None,
    ];

    /// The ids as written in `answers.yaml`, in [`Self::ALL`] order.
    pub const IDS: [&'static str; 6] = crate::domain::choice::choice_ids!(AccessPreset, 6);

    pub const fn id(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::ReadOnly => "read-only",
            Self::ReadWrite => "read-write",
            Self::WriteOnly => "write-only",
            Self::Custom => "custom",
            Self::None => "none",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == value)
    }

    /// Actions on the bucket itself (resource `arn:…:s3:::bucket`).
    pub fn bucket_actions(self) -> &'static [&'static str] {
        match self {
            Self::Full => &["s3:*"],
            Self::ReadOnly | Self::ReadWrite => &["s3:ListBucket", "s3:GetBucketLocation"],
            Self::WriteOnly => &["s3:GetBucketLocation"],
            Self::Custom | Self::None => &[],
        }
    }

    /// Actions on the bucket's objects (resource `arn:…:s3:::bucket/*`).
    pub fn object_actions(self) -> &'static [&'static str] {
        match self {
            Self::Full => &["s3:*"],
            Self::ReadOnly => &["s3:GetObject"],
            Self::ReadWrite => &[
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:AbortMultipartUpload",
            ],
            Self::WriteOnly => &["s3:PutObject", "s3:AbortMultipartUpload"],
            Self::Custom | Self::None => &[],
        }
    }
}

/// `arn:<partition>:iam::<account>:oidc-provider/<provider URL without https://>`.
pub fn oidc_provider_arn(partition: Partition, account: &str, provider_host_path: &str) -> String {
    format!("arn:{partition}:iam::{account}:oidc-provider/{provider_host_path}")
}

/// `arn:<partition>:iam::<account>:role<path><name>`; `path` is `/` or `/a/b/`.
pub fn role_arn(partition: Partition, account: &str, path: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account}:role{path}{name}")
}

/// `arn:<partition>:iam::<account>:policy<path><name>`.
pub fn policy_arn(partition: Partition, account: &str, path: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account}:policy{path}{name}")
}

/// `arn:<partition>:s3:::<bucket>` — S3 ARNs have neither region nor account.
pub fn bucket_arn(partition: Partition, bucket: &str) -> String {
    format!("arn:{partition}:s3:::{bucket}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_have_the_empty_region_field() {
        assert_eq!(
            role_arn(Partition::Aws, "123456789012", "/", "workload-id-demo"),
            "arn:aws:iam::123456789012:role/workload-id-demo"
        );
        assert_eq!(
            oidc_provider_arn(
                Partition::AwsUsGov,
                "123456789012",
                "example.teleport.sh/workload-identity"
            ),
            "arn:aws-us-gov:iam::123456789012:oidc-provider/example.teleport.sh/workload-identity"
        );
        assert_eq!(bucket_arn(Partition::Aws, "b.c"), "arn:aws:s3:::b.c");
    }

    #[test]
    fn regions_belong_to_their_partition() {
        assert!(parse_region("us-gov-west-1", Partition::AwsUsGov).is_ok());
        assert!(parse_region("eu-west-2", Partition::Aws).is_ok());
        assert!(matches!(
            parse_region("us-gov-west-1", Partition::Aws),
            Err(AwsError::RegionPartition { .. })
        ));
        for partition in Partition::ALL {
            assert_eq!(Partition::of_region(partition.default_region()), partition);
        }
    }

    #[test]
    fn bucket_rules() {
        assert!(parse_bucket_name("workload-id-demo").is_ok());
        assert!(parse_bucket_name("data.example.com").is_ok());
        assert_eq!(parse_bucket_name("My_Bucket"), Err(AwsError::BucketChars));
        assert_eq!(
            parse_bucket_name("192.168.5.4"),
            Err(AwsError::BucketIpLike)
        );
        assert_eq!(parse_bucket_name("a..b"), Err(AwsError::BucketAdjacent));
    }
}

/// Whether an IAM action pattern (`s3:*`, `s3:Get*`, `s3:GetObject`) covers an action. IAM
/// compares action names case-insensitively and allows `*` and `?` wildcards.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

/// `*` matches any run of characters, `?` any one character (IAM's `StringLike` semantics).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod wildcard_tests {
    use super::*;

    #[test]
    fn iam_wildcards() {
        assert!(action_matches("s3:*", "s3:PutObject"));
        assert!(action_matches("S3:put*", "s3:PutObject"));
        assert!(action_matches("s3:?etObject", "s3:GetObject"));
        assert!(!action_matches("s3:Get*", "s3:PutObject"));
        assert!(!action_matches("s3:GetObject", "s3:GetObjectAcl"));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
    }
}
