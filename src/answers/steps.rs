//! The questions, once: every field of `answers.yaml` with its key, step, label, help and kind.
//!
//! The answers-file loader, the line prompts and the full-screen wizard all walk this list, so a
//! field is added, renamed or explained in exactly one place. A field's fixed default and when
//! it is shown live here too; its rule and any default derived from other answers live in its
//! section's check in `plan`, which every front end calls to validate.

use crate::domain::aws::{AccessPreset, Partition, ProviderMode};
use crate::domain::kubernetes::RunsOn;
use crate::domain::teleport::{ApiChoice, AsCode, TeleportApi};
use crate::routes::Route;
use crate::routes::roles_anywhere::AnchorMode;

/// The wizard's steps, in order. The answers file groups fields by section instead (see
/// [`Field::key`]); a step may take fields from several sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Cluster,
    Spiffe,
    Thumbprint,
    Aws,
    Teleport,
    Tbot,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Self::Cluster,
        Self::Spiffe,
        Self::Thumbprint,
        Self::Aws,
        Self::Teleport,
        Self::Tbot,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Cluster => "Cluster",
            Self::Spiffe => "SPIFFE ID",
            Self::Thumbprint => "Thumbprint",
            Self::Aws => "AWS",
            Self::Teleport => "Teleport",
            Self::Tbot => "tbot",
        }
    }

    pub fn fields(self) -> impl Iterator<Item = &'static Field> {
        FIELDS.iter().filter(move |f| f.step == self)
    }
}

/// The shape of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    Flag,
    List,
}

/// Every field of the answers, in the order they are asked and saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldId {
    Proxy,
    ClusterName,
    Version,
    Route,
    SpiffePath,
    Thumbprints,
    Partition,
    AccountId,
    Region,
    OidcProvider,
    Bucket,
    CreateBucket,
    Access,
    Actions,
    PolicyFile,
    PolicyName,
    RoleName,
    RolePath,
    Profile,
    SessionName,
    PermissionsBoundary,
    ManagedPolicies,
    MaxSessionDuration,
    Tags,
    TrustAnchor,
    TrustAnchorName,
    TrustAnchorArn,
    CaBundle,
    RaProfileName,
    RaProfileArn,
    ProfileDuration,
    Api,
    WorkloadIdentity,
    TeleportRole,
    Bot,
    OutputDir,
    JwtFile,
    CredentialTtl,
    RenewalInterval,
    Audience,
    SessionDuration,
    SessionRenewalInterval,
    CredentialProfile,
    RunsOn,
    Namespace,
    Deployment,
    Container,
    ServiceAccount,
    SecretName,
    BotServiceAccount,
    AsCode,
    ManageBot,
    OperatorNamespace,
}

/// Whose answer a field is in a fleet (an answers file of version 2): one answer shared by
/// every workload, or each workload's own (an answer at the top level is then the default of
/// every workload that does not give its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Shared,
    Workload,
}

impl FieldId {
    /// The cluster, the account and the one OIDC provider (with its audience) are shared;
    /// what identifies a workload, what it may reach, and its host's tbot are its own.
    pub fn scope(self) -> Scope {
        match self {
            Self::Proxy
            | Self::ClusterName
            | Self::Version
            | Self::Thumbprints
            | Self::Partition
            | Self::AccountId
            | Self::Region
            | Self::Tags
            | Self::OidcProvider
            | Self::Api
            | Self::Audience
            | Self::Route
            | Self::TrustAnchor
            | Self::TrustAnchorName
            | Self::TrustAnchorArn
            | Self::CaBundle
            | Self::RunsOn
            | Self::AsCode
            | Self::ManageBot
            | Self::OperatorNamespace => Scope::Shared,
            Self::SpiffePath
            | Self::Bucket
            | Self::CreateBucket
            | Self::Access
            | Self::Actions
            | Self::PolicyFile
            | Self::PolicyName
            | Self::RoleName
            | Self::RolePath
            | Self::Profile
            | Self::SessionName
            | Self::PermissionsBoundary
            | Self::ManagedPolicies
            | Self::MaxSessionDuration
            | Self::WorkloadIdentity
            | Self::TeleportRole
            | Self::Bot
            | Self::OutputDir
            | Self::JwtFile
            | Self::CredentialTtl
            | Self::RenewalInterval
            | Self::RaProfileName
            | Self::RaProfileArn
            | Self::ProfileDuration
            | Self::SessionDuration
            | Self::SessionRenewalInterval
            | Self::CredentialProfile
            | Self::Namespace
            | Self::ServiceAccount
            | Self::Deployment
            | Self::Container
            | Self::SecretName
            | Self::BotServiceAccount => Scope::Workload,
        }
    }

    /// The route a field belongs to; `None`: both. A wizard asks a field of the other route
    /// never, and the plan ignores its answer.
    pub fn route(self) -> Option<Route> {
        match self {
            Self::Thumbprints
            | Self::OidcProvider
            | Self::JwtFile
            | Self::CredentialTtl
            | Self::RenewalInterval
            | Self::Audience
            | Self::SessionName => Some(Route::Oidc),
            Self::TrustAnchor
            | Self::TrustAnchorName
            | Self::TrustAnchorArn
            | Self::CaBundle
            | Self::RaProfileName
            | Self::RaProfileArn
            | Self::ProfileDuration
            | Self::SessionDuration
            | Self::SessionRenewalInterval
            | Self::CredentialProfile => Some(Route::RolesAnywhere),
            _ => None,
        }
    }
}

impl FieldId {
    /// For editors (the JSON Schema of `wi-aws schema`): a regular expression the common
    /// mistakes fail. The field's check in `plan` stays the rule: some answers this pattern
    /// lets through are still refused there (a reserved bucket prefix, a region of another
    /// partition), with the reason.
    pub fn pattern(self) -> Option<&'static str> {
        Some(match self {
            Self::Proxy => r"^[a-z0-9.-]+(:[1-9][0-9]{0,4})?$",
            Self::ClusterName => r"^[a-z0-9._-]+$",
            Self::Version => r"^v?[0-9]+\.[0-9]+\.[0-9]+([-+].*)?$",
            Self::SpiffePath => r"^(spiffe://[a-z0-9._-]+)?(?!.*/\.\.?(/|$))(/[A-Za-z0-9._-]+)+$",
            Self::Thumbprints => r"^([0-9A-Fa-f]{40}|([0-9A-Fa-f]{2}:){19}[0-9A-Fa-f]{2})$",
            Self::AccountId => r"^[0-9]{12}$",
            Self::Region => r"^[a-z]+(-[a-z]+)+-[0-9]{1,2}$",
            Self::Bucket => {
                r"^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(\.\.|\.-|-\.))[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
            }
            Self::Actions => r"^s3:[A-Za-z*]+$",
            Self::PolicyName => r"^[A-Za-z0-9+=,.@_-]{1,128}$",
            Self::RoleName => r"^[A-Za-z0-9+=,.@_-]{1,64}$",
            Self::RolePath => r"^(?!.*//)/([!-~]*/)?$",
            Self::Profile => r"^(?!default$)[A-Za-z0-9._-]{1,64}$",
            Self::SessionName => r"^[A-Za-z0-9+=,.@_-]{2,64}$",
            Self::MaxSessionDuration => r"^[0-9]{4,5}$",
            Self::Tags => r"^(?![aA][wW][sS]:)(?!created-by=)[^=]{1,128}=.{0,256}$",
            Self::PermissionsBoundary | Self::ManagedPolicies => {
                r"^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/[!-~]+$"
            }
            Self::WorkloadIdentity | Self::TeleportRole | Self::Bot => {
                r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
            }
            Self::OutputDir => r"^/(?!.*(^|/)\.\.(/|$)).+$",
            Self::JwtFile => r"^[^/]+$",
            Self::CredentialTtl | Self::RenewalInterval => r"^([0-9]+[hms])+$",
            Self::Audience => r"^[!-~]{1,255}$",
            Self::TrustAnchorName | Self::RaProfileName => r"^[ a-zA-Z0-9_-]{1,255}$",
            Self::TrustAnchorArn => {
                r"^arn:aws(-[a-z]+)*:rolesanywhere:[a-z0-9-]+:[0-9]{12}:trust-anchor/[0-9a-f-]{36}$"
            }
            Self::RaProfileArn => {
                r"^arn:aws(-[a-z]+)*:rolesanywhere:[a-z0-9-]+:[0-9]{12}:profile/[0-9a-f-]{36}$"
            }
            Self::ProfileDuration => r"^[0-9]+$",
            Self::SessionDuration | Self::SessionRenewalInterval => r"^([0-9]+[hms])+$",
            Self::CredentialProfile => r"^[A-Za-z0-9._-]{1,64}$",
            Self::Namespace | Self::Container | Self::OperatorNamespace => {
                r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
            }
            Self::ServiceAccount | Self::Deployment | Self::SecretName => {
                r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
            }
            Self::BotServiceAccount => {
                r"^(?=.{1,53}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
            }
            Self::Partition
            | Self::Route
            | Self::TrustAnchor
            | Self::CaBundle
            | Self::OidcProvider
            | Self::CreateBucket
            | Self::Access
            | Self::PolicyFile
            | Self::RunsOn
            | Self::AsCode
            | Self::ManageBot
            | Self::Api => {
                return None;
            }
        })
    }
}

/// What a field holds when it is not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldDefault {
    /// No default: it must be answered; the hint says what to give.
    Required(&'static str),
    /// This text (for a choice: this id).
    Text(&'static str),
    Flag(bool),
    /// Derived from other answers by its section's check (the role name from the SPIFFE path, …).
    Derived,
    /// Optional: left out when not answered, which means what the text says.
    Optional(&'static str),
}

/// When a field is asked: the wizards skip a hidden field, and its answer must stay empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Always,
    /// Only when the choice field has this id.
    When(FieldId, &'static str),
    /// Only while the other field is unanswered (the API generation, until the cluster's
    /// version decides it).
    WithoutAnswer(FieldId),
    /// Only for this Teleport API generation, as the answers resolve it.
    ForApi(TeleportApi),
    /// Only when the choice field is answered with another id than this one (its default).
    Unless(FieldId, &'static str),
}

impl Field {
    /// The route this field belongs to ([`FieldId::route`]).
    pub fn route(&self) -> Option<Route> {
        self.id.route()
    }
}

#[derive(Debug)]
pub struct Field {
    pub id: FieldId,
    /// Dotted key in `answers.yaml`: `section.name`.
    pub key: &'static str,
    pub step: Step,
    pub label: &'static str,
    pub help: &'static str,
    pub kind: FieldKind,
    pub default: FieldDefault,
    pub shown: Shown,
}

impl Field {
    pub fn section(&self) -> &'static str {
        self.key
            .split_once('.')
            .map_or(self.key, |(section, _)| section)
    }

    pub fn name(&self) -> &'static str {
        self.key.split_once('.').map_or(self.key, |(_, name)| name)
    }
}

/// The sections of `answers.yaml` besides the top-level `version`.
pub const SECTIONS: &[&str] = &["teleport", "aws", "roles_anywhere", "tbot"];

pub const FIELDS: &[Field] = &[
    Field {
        id: FieldId::Proxy,
        key: "teleport.proxy",
        step: Step::Cluster,
        label: "Teleport proxy public address",
        help: "host[:port] of the Teleport Proxy Service, as `tsh status` shows it. AWS must reach https://HOST/workload-identity from the internet.",
        kind: FieldKind::Text,
        default: FieldDefault::Required(
            "give the proxy's public address, e.g. example.teleport.sh",
        ),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::ClusterName,
        key: "teleport.cluster_name",
        step: Step::Cluster,
        label: "Cluster name (SPIFFE trust domain)",
        help: "The Teleport cluster name, which is the trust domain of every SPIFFE ID it issues. Defaults to the proxy host.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Version,
        key: "teleport.version",
        step: Step::Cluster,
        label: "Teleport version",
        help: "The cluster's version, filled in by asking the proxy (`tctl version`). With teleport.api auto it decides the API generation: 17.2.7 and later get the workload_identity resource.",
        kind: FieldKind::Text,
        default: FieldDefault::Optional("unknown: the current API generation"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Route,
        key: "aws.route",
        step: Step::Cluster,
        label: "Route to AWS",
        help: "oidc: tbot's JWT SVID is exchanged with STS (sts:AssumeRoleWithWebIdentity); AWS must reach the proxy from the internet. roles-anywhere: tbot's X.509 SVID is exchanged with IAM Roles Anywhere (Teleport 17.4.0+); nothing needs to reach the cluster, but the trust anchor must be kept current with the cluster's SPIFFE CA.",
        kind: FieldKind::Choice(&Route::IDS),
        default: FieldDefault::Text(Route::Oidc.id()),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::SpiffePath,
        key: "teleport.spiffe_path",
        step: Step::Spiffe,
        label: "SPIFFE ID path of the workload",
        help: "The path part of the workload's SPIFFE ID, e.g. /svc/example-service. Name the workload, not the AWS role it will assume: one identity can be trusted by many roles.",
        kind: FieldKind::Text,
        default: FieldDefault::Required("name the workload, e.g. /svc/example-service"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Thumbprints,
        key: "aws.thumbprints",
        step: Step::Thumbprint,
        label: "TLS thumbprints of the proxy",
        help: "SHA-1 of the last certificate the proxy sends (`curl https://PROXY/webapi/thumbprint`). AWS ignores it for certificates from public CAs, but private CAs need it. Up to 5.",
        kind: FieldKind::List,
        default: FieldDefault::Optional("none: the proxy's CA is public"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Partition,
        key: "aws.partition",
        step: Step::Aws,
        label: "AWS partition",
        help: "aws for commercial regions, aws-us-gov for GovCloud, aws-cn for China. It is part of every ARN.",
        kind: FieldKind::Choice(&Partition::IDS),
        default: FieldDefault::Text(Partition::Aws.id()),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::AccountId,
        key: "aws.account_id",
        step: Step::Aws,
        label: "AWS account ID",
        help: "The 12-digit account that will hold the OIDC provider and the role (`aws sts get-caller-identity`).",
        kind: FieldKind::Text,
        default: FieldDefault::Required(
            "give the 12-digit account ID (`aws sts get-caller-identity`)",
        ),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Region,
        key: "aws.region",
        step: Step::Aws,
        label: "AWS region",
        help: "Where the bucket lives and the default region of the profile. Defaults to the partition's first region.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::Always,
    },
    Field {
        id: FieldId::OidcProvider,
        key: "aws.oidc_provider",
        step: Step::Aws,
        label: "OIDC provider",
        help: "create: make a new IAM OIDC provider for the cluster. existing: the account already trusts this cluster's issuer (one provider serves every workload).",
        kind: FieldKind::Choice(&ProviderMode::IDS),
        default: FieldDefault::Text(ProviderMode::Create.id()),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Bucket,
        key: "aws.bucket",
        step: Step::Aws,
        label: "S3 bucket name",
        help: "The bucket the workload may use. Bucket names are global across AWS.",
        kind: FieldKind::Text,
        default: FieldDefault::Required("name the S3 bucket the workload may use"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::CreateBucket,
        key: "aws.create_bucket",
        step: Step::Aws,
        label: "Create the bucket?",
        help: "true: the artifacts create it (private, encrypted, versioned). false: it exists already.",
        kind: FieldKind::Flag,
        default: FieldDefault::Flag(true),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Access,
        key: "aws.access",
        step: Step::Aws,
        label: "Access to the bucket",
        help: "full = s3:* (as in Teleport's guide); read-only; read-write; write-only; custom = the actions you list in aws.actions; none = no S3 access (then aws.policy_file grants what the role may do, and the bucket is optional).",
        kind: FieldKind::Choice(&AccessPreset::IDS),
        default: FieldDefault::Text(AccessPreset::ReadWrite.id()),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Actions,
        key: "aws.actions",
        step: Step::Aws,
        label: "Custom S3 actions",
        help: "Only with access: custom. Actions such as s3:GetObject, granted on the bucket and its objects.",
        kind: FieldKind::List,
        default: FieldDefault::Optional("none"),
        shown: Shown::When(FieldId::Access, AccessPreset::Custom.id()),
    },
    Field {
        id: FieldId::PolicyFile,
        key: "aws.policy_file",
        step: Step::Aws,
        label: "Your own policy file (optional)",
        help: "A JSON permissions policy of your own (a DynamoDB table, a queue, a secret), checked with IAM's grammar and added to the role's policy. A relative path is read from the answers file's directory. With access: none, it and the managed policies are all the role may do.",
        kind: FieldKind::Text,
        default: FieldDefault::Optional("none"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::PolicyName,
        key: "aws.policy_name",
        step: Step::Aws,
        label: "IAM policy name",
        help: "The managed policy that grants the bucket access.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::Always,
    },
    Field {
        id: FieldId::RoleName,
        key: "aws.role_name",
        step: Step::Aws,
        label: "IAM role name",
        help: "The role the workload assumes. Defaults to the SPIFFE path joined with '-'.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::Always,
    },
    Field {
        id: FieldId::RolePath,
        key: "aws.role_path",
        step: Step::Aws,
        label: "IAM role path",
        help: "Optional IAM path for the role and policy, e.g. /workloads/. It becomes part of their ARNs.",
        kind: FieldKind::Text,
        default: FieldDefault::Text("/"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Profile,
        key: "aws.profile",
        step: Step::Aws,
        label: "AWS CLI profile name",
        help: "The [profile NAME] section written for ~/.aws/config.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::Always,
    },
    Field {
        id: FieldId::SessionName,
        key: "aws.role_session_name",
        step: Step::Aws,
        label: "Role session name (optional)",
        help: "Shown in CloudTrail next to the role. Left out, the AWS SDK picks one.",
        kind: FieldKind::Text,
        default: FieldDefault::Optional("none: the SDK picks one"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::PermissionsBoundary,
        key: "aws.permissions_boundary",
        step: Step::Aws,
        label: "Permissions boundary ARN (optional)",
        help: "A managed policy that caps what the role may do, as SCPs often require. Left out, the role has none.",
        kind: FieldKind::Text,
        default: FieldDefault::Optional("none"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::ManagedPolicies,
        key: "aws.managed_policies",
        step: Step::Aws,
        label: "Managed policies to attach (optional)",
        help: "ARNs of managed policies the role gets besides its own, AWS managed (arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess) or the account's. The role carries at most 10 managed policies by default (20 with a raised quota), its own included.",
        kind: FieldKind::List,
        default: FieldDefault::Optional("none"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::MaxSessionDuration,
        key: "aws.max_session_duration",
        step: Step::Aws,
        label: "Role's longest session, seconds (optional)",
        help: "How long a session of the role may last: 3600 (1h) to 43200 (12h). Left out, IAM's default of 3600 on the OIDC route; on Roles Anywhere the profile's duration.",
        kind: FieldKind::Text,
        default: FieldDefault::Optional("IAM's 3600, or the Roles Anywhere profile's"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Tags,
        key: "aws.tags",
        step: Step::Aws,
        label: "Tags for everything created (optional)",
        help: "KEY=VALUE tags that every resource wi-aws creates carries, besides its own created-by=wi-aws, e.g. team=payments cost-center=1234. At most 49.",
        kind: FieldKind::List,
        default: FieldDefault::Optional("none"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::TrustAnchor,
        key: "roles_anywhere.trust_anchor",
        step: Step::Aws,
        label: "Roles Anywhere trust anchor",
        help: "create: make a trust anchor holding the cluster's SPIFFE CA (one serves every workload). existing: the region already has one for this CA; give its ARN.",
        kind: FieldKind::Choice(&AnchorMode::IDS),
        default: FieldDefault::Text(AnchorMode::Create.id()),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::TrustAnchorName,
        key: "roles_anywhere.trust_anchor_name",
        step: Step::Aws,
        label: "Trust anchor name",
        help: "The name of the trust anchor to create. Defaults to the cluster name with '-spiffe'.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::When(FieldId::TrustAnchor, AnchorMode::Create.id()),
    },
    Field {
        id: FieldId::TrustAnchorArn,
        key: "roles_anywhere.trust_anchor_arn",
        step: Step::Aws,
        label: "Trust anchor ARN",
        help: "The ARN AWS gave the trust anchor (`aws rolesanywhere list-trust-anchors`). Required for an existing anchor; for one the artifacts create, give it after apply (terraform output trust_anchor_arn, or what aws-cli/setup.sh prints) and render again, so tbot's file names it.",
        kind: FieldKind::Text,
        default: FieldDefault::Optional("unknown until the trust anchor is created"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::CaBundle,
        key: "roles_anywhere.ca_bundle",
        step: Step::Aws,
        label: "SPIFFE CA bundle (PEM)",
        help: "The cluster's SPIFFE X.509 CA certificates, which the trust anchor holds. Discovery reads them from the proxy (/webapi/spiffe/bundle.json); compare with `tctl auth export --type tls-spiffe`.",
        kind: FieldKind::Text,
        default: FieldDefault::Required(
            "let wi-aws ask the proxy, or paste the PEM of `tctl auth export --type tls-spiffe`",
        ),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::RaProfileName,
        key: "roles_anywhere.profile_name",
        step: Step::Aws,
        label: "Roles Anywhere profile name",
        help: "The profile that lists the role the workload may assume. Defaults to the role name.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::Always,
    },
    Field {
        id: FieldId::RaProfileArn,
        key: "roles_anywhere.profile_arn",
        step: Step::Aws,
        label: "Roles Anywhere profile ARN",
        help: "The ARN AWS gave the profile, known after apply (terraform output profile_arn, or what aws-cli/setup.sh prints); render again with it so tbot's file names it.",
        kind: FieldKind::Text,
        default: FieldDefault::Optional("unknown until the profile is created"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::ProfileDuration,
        key: "roles_anywhere.profile_duration",
        step: Step::Aws,
        label: "Profile session duration (seconds)",
        help: "The profile's durationSeconds, 900 to 43200; the role's maximum session duration follows it. Defaults to tbot's session duration.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Api,
        key: "teleport.api",
        step: Step::Teleport,
        label: "Teleport API generation",
        help: "workload-identity: a workload_identity resource and tbot's workload-identity-jwt service (Teleport 17.2.7+). legacy-spiffe: the role's spec.allow.spiffe and tbot's spiffe-svid output (16.4.3 to 18.x, removed from tbot in 19). auto: by the cluster's version.",
        kind: FieldKind::Choice(&ApiChoice::IDS),
        default: FieldDefault::Text(ApiChoice::Auto.id()),
        shown: Shown::WithoutAnswer(FieldId::Version),
    },
    Field {
        id: FieldId::WorkloadIdentity,
        key: "teleport.workload_identity",
        step: Step::Teleport,
        label: "workload_identity resource name",
        help: "The Teleport workload_identity resource that issues the SPIFFE ID; the role selects it by its labels and tbot by its name. Defaults to the SPIFFE path joined with '-'.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::ForApi(TeleportApi::WorkloadIdentity),
    },
    Field {
        id: FieldId::TeleportRole,
        key: "teleport.role",
        step: Step::Teleport,
        label: "Teleport role name",
        help: "The Teleport role that allows issuing the SPIFFE ID (workload_identity_labels, or spec.allow.spiffe in the legacy generation).",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Bot,
        key: "teleport.bot",
        step: Step::Teleport,
        label: "Bot name",
        help: "The existing Machine ID bot that tbot runs as (`tctl bots ls`). It gets the role above.",
        kind: FieldKind::Text,
        default: FieldDefault::Required("give the name of the bot tbot runs as (`tctl bots ls`)"),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::OutputDir,
        key: "tbot.output_dir",
        step: Step::Tbot,
        label: "tbot output directory",
        help: "Absolute directory where tbot writes the SVIDs on the workload's host; on Kubernetes, where the workload's container mounts the Secret tbot writes.",
        kind: FieldKind::Text,
        default: FieldDefault::Text(crate::domain::tbot::DEFAULT_OUTPUT_DIR),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::JwtFile,
        key: "tbot.jwt_file",
        step: Step::Tbot,
        label: "JWT file name",
        help: "Legacy generation only: the file name of the JWT SVID inside the output directory (the workload-identity-jwt service always writes jwt_svid).",
        kind: FieldKind::Text,
        default: FieldDefault::Text(crate::domain::tbot::DEFAULT_JWT_FILE),
        shown: Shown::ForApi(TeleportApi::LegacySpiffe),
    },
    Field {
        id: FieldId::CredentialTtl,
        key: "tbot.credential_ttl",
        step: Step::Tbot,
        label: "JWT SVID lifetime",
        help: "How long each JWT SVID tbot fetches lives (credential_ttl), at most 24h.",
        kind: FieldKind::Text,
        default: FieldDefault::Text(crate::domain::tbot::DEFAULT_CREDENTIAL_TTL),
        shown: Shown::ForApi(TeleportApi::WorkloadIdentity),
    },
    Field {
        id: FieldId::RenewalInterval,
        key: "tbot.renewal_interval",
        step: Step::Tbot,
        label: "tbot renewal interval",
        help: "How often tbot fetches a fresh JWT SVID (renewal_interval); shorter than the lifetime, so the file never holds an expired token.",
        kind: FieldKind::Text,
        default: FieldDefault::Text(crate::domain::tbot::DEFAULT_RENEWAL_INTERVAL),
        shown: Shown::ForApi(TeleportApi::WorkloadIdentity),
    },
    Field {
        id: FieldId::Audience,
        key: "tbot.audience",
        step: Step::Tbot,
        label: "JWT audience",
        help: "The `aud` tbot puts in the JWT and the client ID the OIDC provider accepts. AWS expects sts.amazonaws.com.",
        kind: FieldKind::Text,
        default: FieldDefault::Text(crate::domain::aws::DEFAULT_AUDIENCE),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::SessionDuration,
        key: "tbot.session_duration",
        step: Step::Tbot,
        label: "AWS session duration",
        help: "How long the credentials tbot gets from Roles Anywhere last (session_duration): 15m to 12h, at most the profile's duration.",
        kind: FieldKind::Text,
        default: FieldDefault::Text(crate::routes::roles_anywhere::DEFAULT_SESSION_DURATION_TEXT),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::SessionRenewalInterval,
        key: "tbot.session_renewal_interval",
        step: Step::Tbot,
        label: "Session renewal interval",
        help: "How often tbot gets fresh credentials (session_renewal_interval); shorter than the session, so the credentials file never holds expired ones.",
        kind: FieldKind::Text,
        default: FieldDefault::Text(crate::routes::roles_anywhere::DEFAULT_SESSION_RENEWAL_TEXT),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::CredentialProfile,
        key: "tbot.credential_profile_name",
        step: Step::Tbot,
        label: "Profile in the credentials file",
        help: "The [NAME] section tbot writes in its AWS credentials file (credential_profile_name); the workload's AWS_PROFILE names it. Defaults to aws.profile.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::Always,
    },
    Field {
        id: FieldId::RunsOn,
        key: "tbot.runs_on",
        step: Step::Tbot,
        label: "Where the workload runs",
        help: "host: a machine where tbot is deployed already and writes to tbot.output_dir. kubernetes: tbot runs from Teleport's tbot Helm chart (kubernetes join method) and writes a Secret that the workload's Pod mounts at tbot.output_dir.",
        kind: FieldKind::Choice(&RunsOn::IDS),
        default: FieldDefault::Text(RunsOn::Host.id()),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::Namespace,
        key: "tbot.namespace",
        step: Step::Tbot,
        label: "Kubernetes namespace",
        help: "The namespace of the workload, its Secret and its tbot: a Pod mounts Secrets of its own namespace only.",
        kind: FieldKind::Text,
        default: FieldDefault::Text(crate::domain::kubernetes::DEFAULT_NAMESPACE),
        shown: Shown::When(FieldId::RunsOn, "kubernetes"),
    },
    Field {
        id: FieldId::Deployment,
        key: "tbot.deployment",
        step: Step::Tbot,
        label: "The workload's Deployment",
        help: "The Deployment the patch is for. Defaults to the SPIFFE path's last part.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::When(FieldId::RunsOn, "kubernetes"),
    },
    Field {
        id: FieldId::Container,
        key: "tbot.container",
        step: Step::Tbot,
        label: "The workload's container",
        help: "The container of the Deployment that calls AWS: it gets the mount and the environment. Defaults to the Deployment's name.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::When(FieldId::RunsOn, "kubernetes"),
    },
    Field {
        id: FieldId::ServiceAccount,
        key: "tbot.service_account",
        step: Step::Tbot,
        label: "The workload's service account",
        help: "The Kubernetes service account the workload's Pods run as; not the bot's. Defaults to the Deployment's name.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::When(FieldId::RunsOn, "kubernetes"),
    },
    Field {
        id: FieldId::SecretName,
        key: "tbot.secret_name",
        step: Step::Tbot,
        label: "The Secret tbot writes",
        help: "The Kubernetes Secret tbot writes the credentials to and the workload mounts. Defaults to <deployment>-workload-identity.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::When(FieldId::RunsOn, "kubernetes"),
    },
    Field {
        id: FieldId::BotServiceAccount,
        key: "tbot.bot_service_account",
        step: Step::Tbot,
        label: "tbot's service account (and Helm release)",
        help: "The service account tbot runs as, which the join token allows, and the name of its Helm release (at most 53 characters). Defaults to tbot-<deployment>.",
        kind: FieldKind::Text,
        default: FieldDefault::Derived,
        shown: Shown::When(FieldId::RunsOn, "kubernetes"),
    },
    Field {
        id: FieldId::AsCode,
        key: "teleport.as_code",
        step: Step::Teleport,
        label: "How the Teleport side is written",
        help: "tctl: resources and scripts for tctl create. terraform: teleport/main.tf with Teleport's Terraform provider (teleport_workload_identity, teleport_role, the join token). operator: the Teleport Kubernetes operator's resources (TeleportWorkloadIdentityV1, TeleportRoleV7, …) for kubectl apply. terraform and operator need the workload-identity generation.",
        kind: FieldKind::Choice(&AsCode::IDS),
        default: FieldDefault::Text(AsCode::Tctl.id()),
        shown: Shown::Always,
    },
    Field {
        id: FieldId::ManageBot,
        key: "teleport.manage_bot",
        step: Step::Teleport,
        label: "Terraform (or the operator) owns the bot?",
        help: "true: it creates the bot and sets its roles to the role above, replacing any other roles the bot has. false: the bot exists; tctl bots update --add-roles gives it the role.",
        kind: FieldKind::Flag,
        default: FieldDefault::Flag(false),
        shown: Shown::Unless(FieldId::AsCode, "tctl"),
    },
    Field {
        id: FieldId::OperatorNamespace,
        key: "teleport.operator_namespace",
        step: Step::Teleport,
        label: "The Teleport operator's namespace",
        help: "The Kubernetes namespace the Teleport operator watches, where its resources go.",
        kind: FieldKind::Text,
        default: FieldDefault::Text(crate::domain::teleport::DEFAULT_OPERATOR_NAMESPACE),
        shown: Shown::When(FieldId::AsCode, "operator"),
    },
];

pub fn field(id: FieldId) -> &'static Field {
    FIELDS
        .iter()
        .find(|f| f.id == id)
        .expect("every FieldId has an entry in FIELDS")
}

pub fn field_by_key(key: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_id_is_listed_once_in_order() {
        let ids: Vec<FieldId> = FIELDS.iter().map(|f| f.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "FIELDS must list each FieldId once, in declaration order"
        );
        assert!(FIELDS.iter().all(|f| SECTIONS.contains(&f.section())));
    }
}
