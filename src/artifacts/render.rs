//! A plan → the artifact set: the text of every file, rendered from `templates/` (embedded in the
//! binary; a `--templates` directory overrides them by file name).
//!
//! Pure: no disk, no network. Each artifact's format decides how a `{{value}}` is escaped, so a
//! template cannot forget to escape; `{{{…}}}` is reserved for helpers that escape themselves.
//! JSON and YAML output is parsed back before it is returned, so a broken template is caught here
//! rather than by AWS or tctl.

use crate::answers::Form;
use crate::answers::fleet::Fleet;
use crate::answers::plan::Plan;
use crate::artifacts::escape;
use crate::domain::aws::{AccessPreset, ProviderMode};
use crate::domain::kubernetes::RunsOn;
use crate::domain::teleport::{AsCode, TeleportApi};
use crate::routes::Route;
use handlebars::{Handlebars, handlebars_helper};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use thiserror::Error;

/// How an artifact's values must be escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Hcl,
    Json,
    Yaml,
    Shell,
    Ini,
    Markdown,
    /// PEM certificates: base64 lines between BEGIN and END lines, with nothing to escape;
    /// anything else is dropped.
    Pem,
}

/// One file of the artifact set.
#[derive(Debug, Clone, Copy)]
pub struct ArtifactKind {
    /// Path relative to the output directory; the template is this path plus `.hbs`.
    pub path: &'static str,
    pub format: Format,
    pub executable: bool,
    pub embedded_template: &'static str,
    /// The Teleport API generation it belongs to; `None`: both.
    pub api: Option<TeleportApi>,
    pub layout: Layout,
    /// The route it belongs to; `None`: both. A route's own templates sit in its folder of
    /// `templates/` ([`Route::template_folder`]), which the written path leaves out.
    pub route: Option<Route>,
}

impl ArtifactKind {
    /// Where it is written in one workload's set: its template's path without the folder of
    /// its route.
    pub fn written_path(&self) -> &'static str {
        match self.route {
            Some(route) => self
                .path
                .strip_prefix(route.template_folder())
                .unwrap_or(self.path),
            None => self.path,
        }
    }

    /// Where the workload runs that the artifact is for; `None`: anywhere. A host gets tbot's
    /// file and the AWS profile; Kubernetes gets `kubernetes/` (the chart's values, the
    /// manifests and their script) and the join token its tbot joins with.
    pub fn runs_on(&self) -> Option<RunsOn> {
        let path = self.written_path();
        if path.starts_with("kubernetes/") || path.ends_with(JOIN_TOKEN_FILE) {
            Some(RunsOn::Kubernetes)
        } else if path.starts_with("tbot/") || path.starts_with("aws/") {
            Some(RunsOn::Host)
        } else {
            None
        }
    }

    /// How the Teleport side is written that the artifact belongs to; `None`: either way.
    /// tctl gets the resources and the scripts that create and delete them; Terraform its
    /// root module, `teleport/main.tf`.
    pub fn as_code(&self) -> Option<AsCode> {
        match self.written_path().trim_start_matches("fleet/") {
            "teleport/main.tf" => Some(AsCode::Terraform),
            path if path.starts_with("teleport/operator/") => Some(AsCode::Operator),
            path if path.starts_with("teleport/") => Some(AsCode::Tctl),
            _ => None,
        }
    }

    fn belongs_to(&self, plan: &Plan) -> bool {
        self.route.is_none_or(|of| of == plan.route)
            && self.api.is_none_or(|of| of == plan.workload.api)
            && self.runs_on().is_none_or(|of| of == plan.tbot.runs_on)
            && self.as_code().is_none_or(|of| of == plan.workload.as_code)
            && (self.path != OPERATOR_BOT || plan.workload.manage_bot)
    }
}

const JOIN_TOKEN_FILE: &str = "join-token.yaml";
/// The operator's bot, written only when it owns the bot (`teleport.manage_bot`).
const OPERATOR_BOT: &str = "teleport/operator/bot.yaml";

/// Which artifact sets a file is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One workload's set (answers version 1) only.
    Single,
    /// A fleet's set only, once for the fleet; the path without `fleet/` is where it is written.
    Fleet,
    /// Both: in a fleet, once per workload under the workload's name (see [`fleet_path`]).
    PerWorkload,
    /// Both, once per set at its path, from every workload of the set (one, for a version 1
    /// file): what must see the whole set, such as a teardown that may delete the shared
    /// provider only after every role that trusts it.
    Set,
}

/// An artifact of `templates/PATH.hbs`: shared by both routes unless a route is named.
macro_rules! artifact {
    ($path:literal, $format:expr, $executable:expr) => {
        artifact!($path, $format, $executable, None, Layout::PerWorkload)
    };
    ($path:literal, $format:expr, $executable:expr, $api:expr) => {
        artifact!($path, $format, $executable, $api, Layout::PerWorkload)
    };
    ($path:literal, $format:expr, $executable:expr, $api:expr, $layout:expr) => {
        artifact!($path, $format, $executable, $api, $layout, None)
    };
    ($path:literal, $format:expr, $executable:expr, $api:expr, $layout:expr, $route:expr) => {
        $crate::artifacts::render::ArtifactKind {
            path: $path,
            format: $format,
            executable: $executable,
            embedded_template: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/templates/",
                $path,
                ".hbs"
            )),
            api: $api,
            layout: $layout,
            route: $route,
        }
    };
}
pub(crate) use artifact;

const OIDC: Option<Route> = Some(Route::Oidc);

pub const TERRAFORM: ArtifactKind = artifact!(
    "terraform/main.tf",
    Format::Hcl,
    false,
    None,
    Layout::Single,
    OIDC
);
pub const TRUST_POLICY: ArtifactKind = artifact!(
    "iam/trust-policy.json",
    Format::Json,
    false,
    None,
    Layout::PerWorkload,
    OIDC
);
pub const PERMISSIONS_POLICY: ArtifactKind =
    artifact!("iam/permissions-policy.json", Format::Json, false);
pub const AWS_CLI_SETUP: ArtifactKind = artifact!(
    "aws-cli/setup.sh",
    Format::Shell,
    true,
    None,
    Layout::Single,
    OIDC
);
pub const WORKLOAD_IDENTITY: ArtifactKind = artifact!(
    "teleport/workload-identity.yaml",
    Format::Yaml,
    false,
    Some(TeleportApi::WorkloadIdentity)
);
pub const TELEPORT_ROLE: ArtifactKind = artifact!("teleport/role.yaml", Format::Yaml, false);
pub const TELEPORT_SETUP: ArtifactKind = artifact!(
    "teleport/setup.sh",
    Format::Shell,
    true,
    None,
    Layout::Single
);
pub const TBOT_OUTPUTS: ArtifactKind = artifact!(
    "tbot/outputs.yaml",
    Format::Yaml,
    false,
    Some(TeleportApi::LegacySpiffe),
    Layout::PerWorkload,
    OIDC
);
pub const TBOT_SERVICES: ArtifactKind = artifact!(
    "tbot/services.yaml",
    Format::Yaml,
    false,
    Some(TeleportApi::WorkloadIdentity),
    Layout::PerWorkload,
    OIDC
);
pub const AWS_CONFIG: ArtifactKind = artifact!(
    "aws/config",
    Format::Ini,
    false,
    None,
    Layout::PerWorkload,
    OIDC
);
pub const AWS_ENV: ArtifactKind = artifact!(
    "aws/env",
    Format::Shell,
    false,
    None,
    Layout::PerWorkload,
    OIDC
);
pub const NEXT_STEPS_FILE: ArtifactKind = artifact!(
    "NEXT-STEPS.md",
    Format::Markdown,
    false,
    None,
    Layout::Single,
    OIDC
);
pub const NEXT_STEPS: &str = NEXT_STEPS_FILE.path;
pub const AWS_CLI_TEARDOWN: ArtifactKind = artifact!(
    "aws-cli/teardown.sh",
    Format::Shell,
    true,
    None,
    Layout::Set,
    OIDC
);
pub const TELEPORT_TEARDOWN: ArtifactKind = artifact!(
    "teleport/teardown.sh",
    Format::Shell,
    true,
    None,
    Layout::Set
);

pub const TELEPORT_TERRAFORM: ArtifactKind = artifact!(
    "teleport/main.tf",
    Format::Hcl,
    false,
    Some(TeleportApi::WorkloadIdentity),
    Layout::Single
);
pub const FLEET_TELEPORT_TERRAFORM: ArtifactKind = artifact!(
    "fleet/teleport/main.tf",
    Format::Hcl,
    false,
    Some(TeleportApi::WorkloadIdentity),
    Layout::Fleet
);
pub const OPERATOR_WORKLOAD_IDENTITY: ArtifactKind = artifact!(
    "teleport/operator/workload-identity.yaml",
    Format::Yaml,
    false,
    Some(TeleportApi::WorkloadIdentity)
);
pub const OPERATOR_ROLE: ArtifactKind = artifact!(
    "teleport/operator/role.yaml",
    Format::Yaml,
    false,
    Some(TeleportApi::WorkloadIdentity)
);
pub const OPERATOR_JOIN_TOKEN: ArtifactKind = artifact!(
    "teleport/operator/join-token.yaml",
    Format::Yaml,
    false,
    Some(TeleportApi::WorkloadIdentity)
);
pub const OPERATOR_BOT_FILE: ArtifactKind = artifact!(
    "teleport/operator/bot.yaml",
    Format::Yaml,
    false,
    Some(TeleportApi::WorkloadIdentity)
);
pub const JOIN_TOKEN: ArtifactKind = artifact!("teleport/join-token.yaml", Format::Yaml, false);
pub const KUBERNETES_TBOT_VALUES: ArtifactKind =
    artifact!("kubernetes/tbot-values.yaml", Format::Yaml, false);
pub const KUBERNETES_SERVICE_ACCOUNT: ArtifactKind =
    artifact!("kubernetes/service-account.yaml", Format::Yaml, false);
pub const KUBERNETES_SECRET: ArtifactKind =
    artifact!("kubernetes/secret.yaml", Format::Yaml, false);
pub const KUBERNETES_DEPLOYMENT_PATCH: ArtifactKind =
    artifact!("kubernetes/deployment-patch.yaml", Format::Yaml, false);
pub const KUBERNETES_DEPLOYMENT: ArtifactKind =
    artifact!("kubernetes/deployment.yaml", Format::Yaml, false);
pub const KUBERNETES_SETUP: ArtifactKind = artifact!("kubernetes/setup.sh", Format::Shell, true);
pub const KUBERNETES_TEARDOWN: ArtifactKind =
    artifact!("kubernetes/teardown.sh", Format::Shell, true);

pub const FLEET_TERRAFORM: ArtifactKind = artifact!(
    "fleet/terraform/main.tf",
    Format::Hcl,
    false,
    None,
    Layout::Fleet,
    OIDC
);
pub const FLEET_AWS_CLI_SETUP: ArtifactKind = artifact!(
    "fleet/aws-cli/setup.sh",
    Format::Shell,
    true,
    None,
    Layout::Fleet,
    OIDC
);
pub const FLEET_TELEPORT_SETUP: ArtifactKind = artifact!(
    "fleet/teleport/setup.sh",
    Format::Shell,
    true,
    None,
    Layout::Fleet
);
pub const FLEET_NEXT_STEPS: ArtifactKind = artifact!(
    "fleet/NEXT-STEPS.md",
    Format::Markdown,
    false,
    None,
    Layout::Fleet,
    OIDC
);

/// Every templated artifact, in the order they are listed to the user. `answers.yaml` is added
/// by [`render`] from the plan itself.
pub const ARTIFACTS: &[ArtifactKind] = &[
    TERRAFORM,
    TRUST_POLICY,
    PERMISSIONS_POLICY,
    AWS_CLI_SETUP,
    AWS_CLI_TEARDOWN,
    WORKLOAD_IDENTITY,
    TELEPORT_ROLE,
    TELEPORT_SETUP,
    TELEPORT_TEARDOWN,
    TBOT_OUTPUTS,
    TBOT_SERVICES,
    AWS_CONFIG,
    AWS_ENV,
    TELEPORT_TERRAFORM,
    OPERATOR_WORKLOAD_IDENTITY,
    OPERATOR_ROLE,
    OPERATOR_JOIN_TOKEN,
    OPERATOR_BOT_FILE,
    JOIN_TOKEN,
    KUBERNETES_TBOT_VALUES,
    KUBERNETES_SERVICE_ACCOUNT,
    KUBERNETES_SECRET,
    KUBERNETES_DEPLOYMENT_PATCH,
    KUBERNETES_DEPLOYMENT,
    KUBERNETES_SETUP,
    KUBERNETES_TEARDOWN,
    NEXT_STEPS_FILE,
    FLEET_TERRAFORM,
    FLEET_AWS_CLI_SETUP,
    FLEET_TELEPORT_SETUP,
    FLEET_TELEPORT_TERRAFORM,
    FLEET_NEXT_STEPS,
];

/// The written paths of one workload's set in the order they are listed to the user, whichever
/// route they come from: Terraform first, each script next to the one that undoes it,
/// NEXT-STEPS.md last.
const LISTING: &[&str] = &[
    "terraform/main.tf",
    "iam/trust-policy.json",
    "iam/trust-anchor.pem",
    "iam/permissions-policy.json",
    "iam/policy-file.json",
    "aws-cli/setup.sh",
    "aws-cli/teardown.sh",
    "teleport/main.tf",
    "teleport/operator/workload-identity.yaml",
    "teleport/operator/role.yaml",
    "teleport/operator/join-token.yaml",
    "teleport/operator/bot.yaml",
    "teleport/workload-identity.yaml",
    "teleport/role.yaml",
    "teleport/join-token.yaml",
    "teleport/setup.sh",
    "teleport/teardown.sh",
    "tbot/outputs.yaml",
    "tbot/services.yaml",
    "aws/config",
    "aws/env",
    "kubernetes/tbot-values.yaml",
    "kubernetes/service-account.yaml",
    "kubernetes/secret.yaml",
    "kubernetes/deployment-patch.yaml",
    "kubernetes/deployment.yaml",
    "kubernetes/setup.sh",
    "kubernetes/teardown.sh",
    "NEXT-STEPS.md",
];

fn listed_at(path: &str) -> usize {
    LISTING
        .iter()
        .position(|listed| *listed == path)
        .unwrap_or(LISTING.len())
}

/// Every templated artifact of every route.
pub fn all_artifacts() -> impl Iterator<Item = &'static ArtifactKind> {
    ARTIFACTS
        .iter()
        .chain(crate::routes::roles_anywhere::artifacts::ARTIFACTS)
}

/// Where a fleet writes an artifact: a fleet file at its path without `fleet/`; a workload's
/// file by kind — IAM documents under `iam/<workload>/`, Teleport resources under
/// `teleport/<workload>/`, Kubernetes manifests under `kubernetes/<workload>/`, and what goes
/// to the workload's host (tbot, the AWS profile) under
/// `hosts/<workload>/`, a bundle to copy there as it is.
pub fn fleet_path(kind: &ArtifactKind, workload: &str) -> String {
    let path = kind.written_path();
    match kind.layout {
        Layout::Fleet => path.trim_start_matches("fleet/").to_owned(),
        Layout::Set => path.to_owned(),
        Layout::Single | Layout::PerWorkload => match path.split_once('/') {
            Some((dir @ ("iam" | "teleport" | "kubernetes"), file)) => {
                format!("{dir}/{workload}/{file}")
            }
            _ => format!("hosts/{workload}/{path}"),
        },
    }
}

pub const ANSWERS_FILE: &str = "answers.yaml";

/// A rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
    pub executable: bool,
}

#[derive(Debug, Error)]
pub enum RenderError {
    #[error("template {template}: {message}")]
    Template { template: String, message: String },
    #[error("{path} would not be valid {format:?}: {message} (check the template)")]
    InvalidOutput {
        path: String,
        format: Format,
        message: String,
    },
    #[error("{path}: {source}")]
    Ini {
        path: String,
        source: escape::IniError,
    },
    #[error("--templates: {name} is not a template wi-aws uses (known: {known})")]
    UnknownOverride { name: String, known: String },
    #[error(
        "{path} would hold {size} {}, more than IAM accepts in any account ({}): the apply would fail with LimitExceeded",
        quota.what,
        quota.max
    )]
    PolicyTooLarge {
        path: String,
        size: usize,
        quota: crate::domain::quotas::Quota,
    },
}

/// The quota on the size of an IAM policy document a set writes, by its path in the set.
pub fn policy_size_quota(written_path: &str) -> Option<crate::domain::quotas::Quota> {
    use crate::domain::quotas;
    match written_path {
        "iam/trust-policy.json" => Some(quotas::TRUST_POLICY_CHARS),
        "iam/permissions-policy.json" => Some(quotas::MANAGED_POLICY_CHARS),
        _ => None,
    }
}

handlebars_helper!(shell_word_helper: |value: str| escape::shell_word(value));
// A list as one shell word of space-separated items (`thumbprints='a b'`).
handlebars_helper!(shell_words_helper: |values: array| escape::shell_word(
    &values.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(" ")
));

/// What both teardown scripts open with: their arguments, the question before each change, and
/// the lines that report it.
const TEARDOWN_PRELUDE: &str = include_str!("../../templates/partials/teardown-prelude.sh.hbs");
/// What the AWS teardown of both routes does with the account, a workload's role and policy,
/// and a bucket.
const TEARDOWN_AWS: &str = include_str!("../../templates/partials/teardown-aws.sh.hbs");
/// The attachments of `aws.managed_policies` in main.tf, of one workload's set and a fleet's,
/// on both routes.
const MANAGED_POLICIES: &str = include_str!("../../templates/partials/managed-policies.tf.hbs");
const MANAGED_POLICIES_FLEET: &str =
    include_str!("../../templates/partials/managed-policies-fleet.tf.hbs");
/// The role's own policy in main.tf, of one workload's set and a fleet's, on both routes: the
/// preset's statements, or the set's permissions-policy.json when a policy file adds its own.
const PERMISSIONS_POLICY_TF: &str =
    include_str!("../../templates/partials/permissions-policy.tf.hbs");
const PERMISSIONS_POLICY_FLEET_TF: &str =
    include_str!("../../templates/partials/permissions-policy-fleet.tf.hbs");
/// What the workload's container gets on Kubernetes, in the example Deployment and in the
/// patch: the Secret's mount, and the environment its AWS SDK reads.
const KUBERNETES_ENV: &str = include_str!("../../templates/partials/kubernetes-env.yaml.hbs");
const KUBERNETES_MOUNTS: &str = include_str!("../../templates/partials/kubernetes-mounts.yaml.hbs");
/// NEXT-STEPS.md's steps on Kubernetes, of one workload's set and a fleet's, on both routes.
const KUBERNETES_STEPS: &str = include_str!("../../templates/partials/kubernetes-steps.md.hbs");
const KUBERNETES_JOIN_TOKEN: &str =
    include_str!("../../templates/partials/kubernetes-join-token.md.hbs");
const TELEPORT_OPERATOR_STEPS: &str =
    include_str!("../../templates/partials/teleport-operator-steps.md.hbs");
const TELEPORT_TERRAFORM_STEPS: &str =
    include_str!("../../templates/partials/teleport-terraform-steps.md.hbs");
const KUBERNETES_FLEET_STEPS: &str =
    include_str!("../../templates/partials/kubernetes-fleet-steps.md.hbs");
/// The `terraform` and `provider "teleport"` blocks of teleport/main.tf.
const PROVIDER_TELEPORT: &str = include_str!("../../templates/partials/provider-teleport.tf.hbs");
/// The `provider "aws"` block of every main.tf: the region, and `aws.tags` as default tags.
const PROVIDER_AWS: &str = include_str!("../../templates/partials/provider-aws.tf.hbs");

/// The compiled templates, one registry per format, each with that format's escape function.
#[derive(Clone)]
pub struct Templates {
    registries: BTreeMap<&'static str, Handlebars<'static>>,
}

impl Templates {
    /// The templates embedded in the binary.
    pub fn embedded() -> Result<Self, RenderError> {
        Self::with_overrides(&BTreeMap::new())
    }

    /// The embedded templates, with some replaced: keys are artifact paths plus `.hbs`
    /// (e.g. `terraform/main.tf.hbs`), values the template text.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<Self, RenderError> {
        if let Some(name) = overrides
            .keys()
            .find(|name| !all_artifacts().any(|a| template_name(a) == **name))
        {
            return Err(RenderError::UnknownOverride {
                name: name.clone(),
                known: all_artifacts()
                    .map(template_name)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        // Compiling costs more than the text's size says: handlebars asks pest for the line and
        // column of each element, which pest counts from the template's start each time. So
        // each format's partials are compiled once, in a registry that each of that format's
        // artifacts starts from as a copy, and then the templates compile on every core.
        let mut formats: Vec<Format> = Vec::new();
        let artifacts: Vec<(&'static ArtifactKind, usize)> = all_artifacts()
            .map(|artifact| {
                let format_at = formats
                    .iter()
                    .position(|format| *format == artifact.format)
                    .unwrap_or_else(|| {
                        formats.push(artifact.format);
                        formats.len() - 1
                    });
                (artifact, format_at)
            })
            .collect();
        let bases =
            crate::artifacts::parallel::on_every_core(&formats, |format| format_registry(*format))
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
        let compiled = crate::artifacts::parallel::on_every_core(&artifacts, |(artifact, at)| {
            compile(artifact, overrides, &bases[*at]).map(|registry| (artifact.path, registry))
        });
        Ok(Self {
            registries: compiled.into_iter().collect::<Result<_, _>>()?,
        })
    }
}

/// The registry of one artifact's template: its text (or the override of it), in a copy of its
/// format's registry.
fn compile(
    artifact: &ArtifactKind,
    overrides: &BTreeMap<String, String>,
    format_registry: &Handlebars<'static>,
) -> Result<Handlebars<'static>, RenderError> {
    let name = template_name(artifact);
    let text = overrides
        .get(&name)
        .map_or(artifact.embedded_template, String::as_str);
    let mut registry = format_registry.clone();
    registry
        .register_template_string(artifact.path, text)
        .map_err(|error| RenderError::Template {
            template: name.clone(),
            message: error.to_string(),
        })?;
    Ok(registry)
}

/// The partials of `format`, and its escaping, in strict mode.
fn format_registry(format: Format) -> Result<Handlebars<'static>, RenderError> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.register_helper("sh", Box::new(shell_word_helper));
    registry.register_helper("sh_words", Box::new(shell_words_helper));
    let partials: &[(&str, &str, &str)] = match format {
        Format::Shell => &[
            ("teardown_prelude", "teardown-prelude.sh", TEARDOWN_PRELUDE),
            ("teardown_aws", "teardown-aws.sh", TEARDOWN_AWS),
        ],
        Format::Hcl => &[
            ("provider_aws", "provider-aws.tf", PROVIDER_AWS),
            (
                "provider_teleport",
                "provider-teleport.tf",
                PROVIDER_TELEPORT,
            ),
            ("managed_policies", "managed-policies.tf", MANAGED_POLICIES),
            (
                "managed_policies_fleet",
                "managed-policies-fleet.tf",
                MANAGED_POLICIES_FLEET,
            ),
            (
                "permissions_policy",
                "permissions-policy.tf",
                PERMISSIONS_POLICY_TF,
            ),
            (
                "permissions_policy_fleet",
                "permissions-policy-fleet.tf",
                PERMISSIONS_POLICY_FLEET_TF,
            ),
        ],
        Format::Yaml => &[
            ("kubernetes_env", "kubernetes-env.yaml", KUBERNETES_ENV),
            (
                "kubernetes_mounts",
                "kubernetes-mounts.yaml",
                KUBERNETES_MOUNTS,
            ),
        ],
        Format::Markdown => &[
            ("kubernetes_steps", "kubernetes-steps.md", KUBERNETES_STEPS),
            (
                "teleport_operator_steps",
                "teleport-operator-steps.md",
                TELEPORT_OPERATOR_STEPS,
            ),
            (
                "teleport_terraform_steps",
                "teleport-terraform-steps.md",
                TELEPORT_TERRAFORM_STEPS,
            ),
            (
                "kubernetes_join_token",
                "kubernetes-join-token.md",
                KUBERNETES_JOIN_TOKEN,
            ),
            (
                "kubernetes_fleet_steps",
                "kubernetes-fleet-steps.md",
                KUBERNETES_FLEET_STEPS,
            ),
        ],
        _ => &[],
    };
    for (name, file, text) in partials {
        registry
            .register_partial(name, *text)
            .map_err(|error| RenderError::Template {
                template: format!("partials/{file}.hbs"),
                message: error.to_string(),
            })?;
    }
    match format {
        Format::Hcl => registry.register_escape_fn(escape::hcl_string_content),
        Format::Json => registry.register_escape_fn(escape::json_string_content),
        Format::Yaml => registry.register_escape_fn(escape::yaml_string_content),
        Format::Shell => registry.register_escape_fn(escape::shell_word),
        // INI has no escaping: values are checked before rendering (see `render`).
        Format::Ini => registry.register_escape_fn(|v| v.trim().to_owned()),
        Format::Markdown => registry.register_escape_fn(escape::markdown_text),
        Format::Pem => registry.register_escape_fn(escape::pem_text),
    }
    Ok(registry)
}

fn template_name(artifact: &ArtifactKind) -> String {
    format!("{}.hbs", artifact.path)
}

/// The values templates may use: every section of the plan under its name (`{{aws.bucket}}`,
/// `{{workload.teleport_role}}`; an unanswered optional value is null), and the values derived
/// from them, flat and named in the user's words (`{{role_arn}}`).
pub fn context(plan: &Plan) -> Value {
    let bucket_actions = plan.bucket_actions();
    let object_actions = plan.object_actions();
    let allows = |actions: &[String], action: &str| {
        actions
            .iter()
            .any(|a| crate::domain::aws::action_matches(a, action))
    };
    let derived = json!({
        "issuer_url": plan.issuer_url(),
        "condition_key_prefix": plan.condition_key_prefix(),
        "spiffe_id": plan.workload.spiffe_id.to_string(),
        "spiffe_path": plan.workload.spiffe_id.path(),
        // us-east-1 is the one region where S3 refuses an explicit LocationConstraint.
        "location_constraint": plan.aws.region != "us-east-1",
        "create_provider": plan.aws.provider == ProviderMode::Create,
        "provider_arn": plan.provider_arn(),
        "bucket_arn": plan.bucket_arn(),
        "s3_uri": plan.aws.bucket.as_ref().map(|bucket| format!("s3://{bucket}")),
        "bucket_actions": bucket_actions,
        "object_actions": object_actions,
        "same_actions": matches!(plan.aws.access, AccessPreset::Full | AccessPreset::Custom),
        "s3_access": plan.aws.access != AccessPreset::None,
        // Each statement of aws.policy_file as compact JSON, for iam/permissions-policy.json.
        "policy_file_statements": plan
            .aws
            .policy_document
            .iter()
            .flat_map(|document| &document.statements)
            .map(Value::to_string)
            .collect::<Vec<_>>(),
        "can_write": allows(&object_actions, "s3:PutObject"),
        "can_list": allows(&bucket_actions, "s3:ListBucket"),
        "policy_arn": plan.policy_arn(),
        "role_arn": plan.role_arn(),
        "token_file": plan.token_file(),
        "legacy_spiffe": plan.workload.api == TeleportApi::LegacySpiffe,
        "on_kubernetes": plan.tbot.runs_on == RunsOn::Kubernetes,
        "teleport_terraform": plan.workload.as_code == AsCode::Terraform,
        "teleport_operator": plan.workload.as_code == AsCode::Operator,
        "operator_namespace": plan.workload.operator_namespace,
        // What the Teleport steps of NEXT-STEPS.md, shared with a fleet's, read of one workload.
        "fleet": false,
        "manage_bot_any": plan.workload.manage_bot,
        "workloads": [{"workload": {"bot": plan.workload.bot, "teleport_role": plan.workload.teleport_role}}],
        "teleport_provider_version": crate::domain::teleport::terraform_provider_constraint(plan.cluster.version.as_deref()),
        "proxy_address": plan.cluster.proxy.address_with_port(),
        "secret_key": plan.written_file_name(),
        // The tbot chart's version is the cluster's (examples/chart/tbot/values.yaml,
        // `teleportVersionOverride`: "use `helm install --version X.Y.Z` instead").
        "chart_version": plan.cluster.version.as_deref().map(|v| v.trim_start_matches('v')),
    });
    let derived = with_tags(derived, &plan.aws.tags);
    // A plan of strings, lists and flags always serializes.
    let mut context = serde_json::to_value(plan).unwrap_or_default();
    if let (Value::Object(context), Value::Object(derived)) = (&mut context, derived) {
        context.extend(derived);
    }
    if let (Value::Object(context), Some(ra)) = (&mut context, &plan.roles_anywhere) {
        context.extend(crate::routes::roles_anywhere::artifacts::context(plan, ra));
    }
    context
}

/// The artifacts of `route` and the API generation `api` in `layout`.
fn kinds(shared: &Plan, layout: Layout) -> impl Iterator<Item = &'static ArtifactKind> + '_ {
    all_artifacts()
        .filter(move |kind| kind.belongs_to(shared))
        .filter(move |kind| kind.layout == layout)
}

/// Renders every artifact for one workload's plan (the version 1 layout), `answers.yaml` last.
pub fn render(plan: &Plan, templates: &Templates) -> Result<Vec<Artifact>, RenderError> {
    let context = handlebars::Context::from(context(plan));
    let set = handlebars::Context::from(set_context(
        &[("", plan)],
        &[],
        vec![fleet_entry("", plan)],
        false,
    ));
    let mut artifacts = Vec::with_capacity(ARTIFACTS.len() + 1);
    for kind in all_artifacts().filter(|kind| kind.belongs_to(plan) && kind.layout != Layout::Fleet)
    {
        let context = if kind.layout == Layout::Set {
            &set
        } else {
            &context
        };
        let path = kind.written_path().to_owned();
        artifacts.push(render_one(templates, kind, path, context)?);
    }
    artifacts.extend(policy_file_copy("", plan));
    artifacts.sort_by_key(|artifact| listed_at(&artifact.path));
    artifacts.extend(answers_artifacts(&plan.to_answers().to_yaml()));
    Ok(artifacts)
}

/// Renders every artifact of a fleet: a version 1 file as [`render`] does; version 2 as one
/// set of shared files (one Terraform root, one script each for AWS and Teleport) and each
/// workload's own files, `answers.yaml` last.
pub fn render_fleet(fleet: &Fleet, templates: &Templates) -> Result<Vec<Artifact>, RenderError> {
    if fleet.form == Form::Single {
        return render(fleet.shared(), templates);
    }
    let of_set = fleet.shared();
    let per_workload: Vec<&ArtifactKind> = kinds(of_set, Layout::PerWorkload).collect();
    // Each workload's files are its own: rendered on every core.
    let rendered = crate::artifacts::parallel::on_every_core(&fleet.workloads, |workload| {
        let context = handlebars::Context::from(context(&workload.plan));
        let files = per_workload
            .iter()
            .map(|kind| {
                let path = fleet_path(kind, &workload.name);
                render_one(templates, kind, path, &context)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let files = files
            .into_iter()
            .chain(policy_file_copy(&workload.name, &workload.plan))
            .collect::<Vec<_>>();
        Ok::<_, RenderError>((files, fleet_entry(&workload.name, &workload.plan)))
    });
    let mut contexts = Vec::with_capacity(fleet.workloads.len());
    let mut artifacts = Vec::with_capacity(fleet.workloads.len() * per_workload.len() + 5);
    for result in rendered {
        let (files, context) = result?;
        artifacts.extend(files);
        contexts.push(context);
    }
    let context = handlebars::Context::from(fleet_context(fleet, contexts));
    // The shared files are each as large as the fleet (main.tf, the scripts, the Teleport
    // resources), and so is answers.yaml: each is rendered on a core of its own.
    let shared_kinds: Vec<&ArtifactKind> = kinds(of_set, Layout::Fleet)
        .chain(kinds(of_set, Layout::Set))
        .collect();
    let (shared, answers) = std::thread::scope(|scope| {
        let answers = scope.spawn(|| answers_artifacts(&fleet.to_answers().to_yaml()));
        let shared = crate::artifacts::parallel::on_every_core(&shared_kinds, |kind| {
            render_one(templates, kind, fleet_path(kind, ""), &context)
        });
        let answers = answers
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (shared, answers)
    });
    let mut shared = shared.into_iter().collect::<Result<Vec<_>, _>>()?;
    // The shared files first, in the order of one workload's set (Terraform first, a script
    // next to the one that undoes it, NEXT-STEPS.md last): they are what a reviewer opens.
    shared.sort_by_key(|artifact| listed_at(&artifact.path));
    let next_steps = shared
        .iter()
        .position(|artifact| artifact.path == NEXT_STEPS)
        .map(|at| shared.remove(at));
    artifacts.splice(0..0, shared);
    artifacts.extend(next_steps);
    artifacts.extend(answers);
    Ok(artifacts)
}

/// The set's copy of a workload's `aws.policy_file`, as it was given: the saved answers name
/// it, so a replay reads what was rendered, and verify holds the set to it.
fn policy_file_copy(workload: &str, plan: &Plan) -> Option<Artifact> {
    plan.aws.policy_document.as_ref().map(|document| Artifact {
        path: crate::domain::policy_document::copy_path(workload),
        contents: document.text.clone(),
        executable: false,
    })
}

/// `answers.yaml`, first naming its schema for editors, and the schema next to it.
fn answers_artifacts(yaml: &str) -> [Artifact; 2] {
    use crate::answers::schema::{SCHEMA_FILE, modeline, schema_file_text};
    [
        Artifact {
            path: SCHEMA_FILE.to_owned(),
            contents: schema_file_text().to_owned(),
            executable: false,
        },
        Artifact {
            path: ANSWERS_FILE.to_owned(),
            contents: format!(
                "{}\n# wi-aws answers, with every default written out. Replay: wi-aws --answers-file answers.yaml --out DIR\n{yaml}",
                modeline(SCHEMA_FILE)
            ),
            executable: false,
        },
    ]
}

/// Renders one artifact. The context is handlebars' own, made once for all the files of a
/// workload: `render` would copy the values again for each file.
fn render_one(
    templates: &Templates,
    kind: &ArtifactKind,
    path: String,
    context: &handlebars::Context,
) -> Result<Artifact, RenderError> {
    if kind.format == Format::Ini {
        refuse_ini_unsafe(&path, context.data())?;
    }
    let registry = &templates.registries[kind.path];
    let rendered = registry
        .render_with_context(kind.path, context)
        .map_err(|error| RenderError::Template {
            template: template_name(kind),
            message: error.to_string(),
        })?;
    let contents = finish(kind, &path, rendered)?;
    Ok(Artifact {
        path,
        contents,
        executable: kind.executable,
    })
}

/// One workload's entry in the fleet's `workloads`, for the shared files: its name, its
/// plan's `aws` and `workload` sections, its SPIFFE ID, role and policy ARNs, and its
/// permission statements as data for the Terraform map (those of its IAM document). Only
/// these, so a thousand entries stay small.
fn fleet_entry(name: &str, plan: &Plan) -> Value {
    let bucket_arn = plan.bucket_arn().unwrap_or_default();
    let objects = format!("{bucket_arn}/*");
    let statement = |sid: &str, actions: Vec<String>, resources: Vec<&str>| json!({"sid": sid, "actions": actions, "resources": resources});
    let statements = match plan.aws.access {
        // The policy file's statements are main.tf's file() of the workload's document.
        AccessPreset::None => Vec::new(),
        AccessPreset::Full | AccessPreset::Custom => vec![statement(
            "BucketAndObjects",
            plan.object_actions(),
            vec![&bucket_arn, &objects],
        )],
        _ => {
            let bucket_actions = plan.bucket_actions();
            let mut statements = Vec::new();
            if !bucket_actions.is_empty() {
                statements.push(statement("Bucket", bucket_actions, vec![&bucket_arn]));
            }
            statements.push(statement("Objects", plan.object_actions(), vec![&objects]));
            statements
        }
    };
    json!({
        "name": name,
        "aws": plan.aws,
        "workload": plan.workload,
        "spiffe_id": plan.workload.spiffe_id.to_string(),
        "spiffe_path": plan.workload.spiffe_id.path(),
        "role_arn": plan.role_arn(),
        "policy_arn": plan.policy_arn(),
        "statements": statements,
        "roles_anywhere": plan.roles_anywhere,
        "kubernetes": plan.tbot.kubernetes,
    })
}

/// The fleet's values: what every workload shares (the cluster, the account, the provider and
/// its audience), each workload's entry (see [`fleet_entry`]), and each bucket the set
/// creates, once.
fn fleet_context(fleet: &Fleet, workloads: Vec<Value>) -> Value {
    let members: Vec<(&str, &Plan)> = fleet
        .workloads
        .iter()
        .map(|w| (w.name.as_str(), &w.plan))
        .collect();
    set_context(&members, &fleet.warnings, workloads, true)
}

/// The values of a set of workloads (see [`fleet_context`]): `fleet` tells a version 2 set from
/// a version 1 file's one workload.
fn set_context(
    members: &[(&str, &Plan)],
    warnings: &[String],
    workloads: Vec<Value>,
    fleet: bool,
) -> Value {
    let shared = members[0].1;
    let mut created_buckets: Vec<&str> = Vec::new();
    for (_, plan) in members.iter().filter(|(_, plan)| plan.aws.create_bucket) {
        if let Some(bucket) = plan.aws.bucket.as_deref()
            && !created_buckets.contains(&bucket)
        {
            created_buckets.push(bucket);
        }
    }
    let context = json!({
        "cluster": shared.cluster,
        "aws": {
            "partition": shared.aws.partition,
            "account_id": shared.aws.account_id,
            "region": shared.aws.region,
            "provider": shared.aws.provider,
            "tags": shared.aws.tags,
        },
        "tbot": { "audience": shared.tbot.audience },
        "issuer_url": shared.issuer_url(),
        "condition_key_prefix": shared.condition_key_prefix(),
        "create_provider": shared.aws.provider == ProviderMode::Create,
        "provider_arn": shared.provider_arn(),
        "legacy_spiffe": shared.workload.api == TeleportApi::LegacySpiffe,
        "on_kubernetes": shared.tbot.runs_on == RunsOn::Kubernetes,
        "teleport_terraform": shared.workload.as_code == AsCode::Terraform,
        "teleport_operator": shared.workload.as_code == AsCode::Operator,
        "operator_namespace": shared.workload.operator_namespace,
        "teleport_provider_version": crate::domain::teleport::terraform_provider_constraint(shared.cluster.version.as_deref()),
        "proxy_address": shared.cluster.proxy.address_with_port(),
        "manage_bot_any": shared.workload.manage_bot,
        "created_buckets": created_buckets,
        "any_boundary": members.iter().any(|(_, plan)| plan.aws.permissions_boundary.is_some()),
        "any_managed": members.iter().any(|(_, plan)| !plan.aws.managed_policies.is_empty()),
        "any_max_session": members.iter().any(|(_, plan)| plan.aws.max_session_duration.is_some()),
        "any_policy_file": members.iter().any(|(_, plan)| plan.aws.policy_document.is_some()),
        "warnings": warnings,
        "fleet": fleet,
        "workload_count": workloads.len(),
        "workloads": workloads,
    });
    let mut context = with_tags(context, &shared.aws.tags);
    if shared.roles_anywhere.is_some()
        && let Value::Object(values) = &mut context
    {
        values.extend(crate::routes::roles_anywhere::artifacts::set_context(
            members,
        ));
    }
    context
}

/// `values` with the tags of what the set creates (`aws.tags` and wi-aws's `created-by`), as
/// each AWS CLI call takes them: IAM's `--tags` and S3's `--tagging` as JSON (a value may hold
/// spaces, which the shorthand syntax would split), Roles Anywhere's with lowercase keys.
fn with_tags(mut values: Value, tags: &[crate::domain::aws::Tag]) -> Value {
    let all: Vec<(&str, &str)> = std::iter::once(crate::domain::aws::CREATED_BY)
        .chain(
            tags.iter()
                .map(|tag| (tag.key.as_str(), tag.value.as_str())),
        )
        .collect();
    let iam: Vec<Value> = all
        .iter()
        .map(|(key, value)| json!({"Key": key, "Value": value}))
        .collect();
    let rolesanywhere: Vec<Value> = all
        .iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect();
    if let Value::Object(map) = &mut values {
        map.insert(
            "iam_tags".into(),
            json!(Value::Array(iam.clone()).to_string()),
        );
        map.insert(
            "bucket_tagging".into(),
            json!(json!({"TagSet": iam}).to_string()),
        );
        map.insert(
            "rolesanywhere_tags".into(),
            json!(Value::Array(rolesanywhere).to_string()),
        );
    }
    values
}

/// Checks the output parses in its own format and tidies it: JSON is pretty-printed (so the
/// policy documents look the same whatever the template's layout), blank runs are collapsed.
fn finish(kind: &ArtifactKind, path: &str, mut rendered: String) -> Result<String, RenderError> {
    // handlebars starts every output with 8 KiB of room: kept, a fleet's thousands of small
    // files would hold many times their size.
    rendered.shrink_to_fit();
    let invalid = |message: String| RenderError::InvalidOutput {
        path: path.to_owned(),
        format: kind.format,
        message,
    };
    match kind.format {
        Format::Json => {
            let value: Value =
                serde_json::from_str(&rendered).map_err(|e| invalid(e.to_string()))?;
            // Over the most IAM grants, no apply can succeed: refused before anything is
            // written. Over a quota's default is verify's warning (the account may have more).
            if let Some(quota) = policy_size_quota(kind.written_path()) {
                let size = crate::domain::quotas::policy_value_size(&value);
                if quota.fit(size) == crate::domain::quotas::Fit::OverMax {
                    return Err(RenderError::PolicyTooLarge {
                        path: path.to_owned(),
                        size,
                        quota,
                    });
                }
            }
            let pretty =
                serde_json::to_string_pretty(&value).map_err(|e| invalid(e.to_string()))?;
            Ok(pretty + "\n")
        }
        Format::Yaml => {
            crate::artifacts::yaml::parse(&rendered).map_err(|e| invalid(e.message))?;
            Ok(rendered)
        }
        _ => Ok(rendered),
    }
}

/// INI cannot escape a line break, so no value that reaches an INI file may contain one.
fn refuse_ini_unsafe(path: &str, context: &Value) -> Result<(), RenderError> {
    match context {
        Value::String(text) => {
            escape::ini_value(text)
                .map(|_| ())
                .map_err(|source| RenderError::Ini {
                    path: path.to_owned(),
                    source,
                })
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| refuse_ini_unsafe(path, item)),
        Value::Object(entries) => entries
            .iter()
            // Prose, and the PEM bundle: multi-line values no INI template writes.
            .filter(|(key, _)| !matches!(key.as_str(), "warnings" | "ca_bundle"))
            .try_for_each(|(_, value)| refuse_ini_unsafe(path, value)),
        _ => Ok(()),
    }
}
