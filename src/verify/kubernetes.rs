//! The workload's side on Kubernetes, read from the written files (and, for doctor, from a
//! running Pod's spec): tbot's service in the chart's values, the join token it joins with, the
//! Secret it writes, and the Deployment that mounts that Secret and points the AWS SDK at it.
//!
//! Both routes' proofs take tbot's service and the workload's environment from here instead of
//! a host's files, so every check of the token file, the role and the credentials applies as it
//! does on a host; what only Kubernetes has is checked by [`checks`].

use super::teleport::{text, yaml};
use super::{Check, CheckId, Files, VerifyError};
use crate::answers::plan::{KubernetesSetup, Plan};
use crate::artifacts::render::{
    KUBERNETES_DEPLOYMENT, KUBERNETES_DEPLOYMENT_PATCH, KUBERNETES_SECRET,
    KUBERNETES_SERVICE_ACCOUNT, KUBERNETES_TBOT_VALUES,
};
use crate::domain::kubernetes::{EKS_ROLE_ANNOTATION, EKS_SKIP_CONTAINERS, EKS_TOKEN_DIR};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A container as a Pod spec gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    /// `env` by name: a value given as `valueFrom` reads as the empty text.
    pub env: BTreeMap<String, String>,
    pub mounts: Vec<Mount>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    pub volume: String,
    pub path: String,
    pub read_only: bool,
}

/// What of a Pod (or a Deployment's Pod template, or a patch of one) decides which credentials
/// its containers' AWS SDKs read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodSpec {
    pub namespace: String,
    pub service_account: String,
    pub annotations: BTreeMap<String, String>,
    /// Each volume that holds a Secret, by name: the Secret's name.
    pub secret_volumes: BTreeMap<String, String>,
    /// Each other volume by name, for what else is mounted (IRSA's projected token).
    pub other_volumes: Vec<String>,
    pub containers: Vec<Container>,
}

impl PodSpec {
    /// A Deployment's Pod template (`spec.template`), in the Deployment's namespace.
    pub fn of_template(deployment: &Value) -> Self {
        let template = &deployment["spec"]["template"];
        Self::of(
            &deployment["metadata"]["namespace"],
            &template["metadata"],
            &template["spec"],
        )
    }

    /// A Pod as `kubectl get pod -o json` prints it, or the first of a list of them (`-l`).
    pub fn of_pod(document: &Value) -> Option<Self> {
        let pod = match document["items"].as_array() {
            Some(items) => items.first()?,
            None => document,
        };
        (text(&pod["kind"]) == "Pod").then(|| {
            Self::of(
                &pod["metadata"]["namespace"],
                &pod["metadata"],
                &pod["spec"],
            )
        })
    }

    fn of(namespace: &Value, metadata: &Value, spec: &Value) -> Self {
        let mut secret_volumes = BTreeMap::new();
        let mut other_volumes = Vec::new();
        for volume in spec["volumes"].as_array().into_iter().flatten() {
            let name = text(&volume["name"]);
            match volume["secret"]["secretName"].as_str() {
                Some(secret) => {
                    secret_volumes.insert(name, secret.to_owned());
                }
                None => other_volumes.push(name),
            }
        }
        let containers = spec["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|container| Container {
                name: text(&container["name"]),
                env: container["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|var| (text(&var["name"]), text(&var["value"])))
                    .collect(),
                mounts: container["volumeMounts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|mount| Mount {
                        volume: text(&mount["name"]),
                        path: text(&mount["mountPath"]),
                        read_only: mount["readOnly"].as_bool() == Some(true),
                    })
                    .collect(),
            })
            .collect();
        Self {
            namespace: text(namespace),
            service_account: text(&spec["serviceAccountName"]),
            annotations: metadata["annotations"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(key, value)| (key.clone(), text(value)))
                .collect(),
            secret_volumes,
            other_volumes,
            containers,
        }
    }

    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// Where `container` mounts the Secret `secret`.
    pub fn secret_mount(&self, container: &str, secret: &str) -> Option<&Mount> {
        self.container(container)?.mounts.iter().find(|mount| {
            self.secret_volumes
                .get(&mount.volume)
                .is_some_and(|s| s == secret)
        })
    }

    /// Whether EKS's pod identity webhook is told to leave `container` alone.
    pub fn skips_eks_webhook(&self, container: &str) -> bool {
        self.annotations
            .get(EKS_SKIP_CONTAINERS)
            .is_some_and(|names| names.split(',').any(|name| name.trim() == container))
    }

    /// What the AWS SDK of `container` is told by the variables IRSA also sets: which role,
    /// which token file. Empty when it sets none.
    pub fn aws_env(&self, container: &str) -> BTreeMap<String, String> {
        self.container(container)
            .map(|c| {
                c.env
                    .iter()
                    .filter(|(name, _)| name.starts_with("AWS_"))
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A set's files on Kubernetes, as written.
#[derive(Debug, Clone)]
pub struct KubernetesFiles {
    pub values: Value,
    pub values_path: String,
    pub token: Value,
    pub token_path: String,
    pub secret: Value,
    pub service_account: Value,
    pub deployment: PodSpec,
    pub deployment_path: String,
    pub patch: PodSpec,
    pub patch_path: String,
    /// The names the answers give: the container is the one the checks look at.
    pub names: KubernetesSetup,
}

impl KubernetesFiles {
    /// The set's Kubernetes files; the join token is the Teleport side's (`docs`): tctl's file
    /// or teleport/main.tf's resource.
    pub fn read(
        dir: &Path,
        files: Files<'_>,
        names: &KubernetesSetup,
        docs: &super::teleport::TeleportDocs,
    ) -> Result<Self, VerifyError> {
        let values_path = files.path(&KUBERNETES_TBOT_VALUES);
        let token_path = docs.token_source.clone();
        let deployment_path = files.path(&KUBERNETES_DEPLOYMENT);
        let patch_path = files.path(&KUBERNETES_DEPLOYMENT_PATCH);
        let deployment = yaml(dir, &deployment_path)?;
        Ok(Self {
            values: yaml(dir, &values_path)?,
            token: docs.token.clone(),
            secret: yaml(dir, &files.path(&KUBERNETES_SECRET))?,
            service_account: yaml(dir, &files.path(&KUBERNETES_SERVICE_ACCOUNT))?,
            deployment: PodSpec::of_template(&deployment),
            patch: PodSpec::of_template(&yaml(dir, &patch_path)?),
            values_path,
            token_path,
            deployment_path,
            patch_path,
            names: names.clone(),
        })
    }

    /// tbot's service (or, in the legacy generation, its output) as the chart's values give it.
    pub fn service(&self, key: &str) -> &Value {
        &self.values[key][0]
    }

    /// The Secret tbot writes: its service's `destination.name`, when the destination is one.
    fn destination(&self, key: &str) -> Option<String> {
        let destination = &self.service(key)["destination"];
        (text(&destination["type"]) == "kubernetes_secret").then(|| text(&destination["name"]))
    }

    /// The directory where the workload finds tbot's files: where its container mounts the
    /// Secret tbot writes; empty when it does not, which the token file's checks then report.
    pub fn directory(&self, key: &str) -> String {
        self.destination(key)
            .and_then(|secret| {
                self.deployment
                    .secret_mount(&self.names.container, &secret)
                    .map(|mount| mount.path.clone())
            })
            .unwrap_or_default()
    }

    /// The environment the workload's container has, which the AWS SDK reads.
    pub fn env(&self) -> BTreeMap<String, String> {
        self.deployment
            .container(&self.names.container)
            .map(|c| c.env.clone())
            .unwrap_or_default()
    }
}

/// Where tbot's service is written (`services`, or `outputs` in the legacy generation).
pub fn service_key(plan: &Plan) -> &'static str {
    match plan.workload.api {
        crate::domain::teleport::TeleportApi::LegacySpiffe => "outputs",
        crate::domain::teleport::TeleportApi::WorkloadIdentity => "services",
    }
}

const NO_JOIN: &str = "(before AWS) tbot cannot join Teleport: the Auth Service refuses the token, so no SVID is ever written to the Secret";

/// What only Kubernetes has: the join, the chart's values, the Secret and its mount, the
/// service accounts, EKS's webhook, and the patch against the example Deployment.
pub fn checks(kube: &KubernetesFiles, plan: &Plan) -> Vec<Check> {
    let key = service_key(plan);
    vec![
        join_token_check(kube, plan),
        chart_check(kube, plan),
        secret_check(kube, key, plan),
        service_account_check(kube),
        eks_check(kube),
        patch_check(kube),
    ]
}

fn verdict(id: CheckId, problems: Vec<String>, error: &str, fix: &str, pass: String) -> Check {
    match problems.is_empty() {
        true => Check::pass(id, pass),
        false => Check::fail(id, problems.join("; "), error, fix),
    }
}

/// The bot's service account, as the chart's values name it.
fn bot_account(kube: &KubernetesFiles) -> String {
    text(&kube.values["serviceAccount"]["name"])
}

/// The token tbot presents joins it as the bot: a `kubernetes` token for the bot that allows the
/// service account the chart runs tbot as, in the namespace of the workload.
fn join_token_check(kube: &KubernetesFiles, plan: &Plan) -> Check {
    let token = &kube.token;
    let spec = &token["spec"];
    let name = text(&token["metadata"]["name"]);
    let wanted = format!("{}:{}", kube.deployment.namespace, bot_account(kube));
    let allowed: Vec<String> = spec["kubernetes"]["allow"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|rule| text(&rule["service_account"]))
        .collect();
    let mut problems = Vec::new();
    if text(&token["kind"]) != "token" {
        problems.push(format!("{} is not a Teleport token", kube.token_path));
    }
    if !super::policy::strings(spec.get("roles"))
        .iter()
        .any(|role| role.eq_ignore_ascii_case("bot"))
    {
        problems.push(format!("{}'s roles do not include Bot", kube.token_path));
    }
    if text(&spec["bot_name"]) != plan.workload.bot {
        problems.push(format!(
            "{} is for bot {:?}, but the role is granted to bot {}",
            kube.token_path,
            text(&spec["bot_name"]),
            plan.workload.bot
        ));
    }
    if text(&spec["join_method"]) != "kubernetes"
        || text(&kube.values["joinMethod"]) != "kubernetes"
    {
        problems.push(format!(
            "the join method is {:?} in {} and {:?} in {}, not kubernetes in both",
            text(&spec["join_method"]),
            kube.token_path,
            text(&kube.values["joinMethod"]),
            kube.values_path
        ));
    }
    match text(&spec["kubernetes"]["type"]).as_str() {
        "in_cluster" => {}
        "static_jwks" if !text(&spec["kubernetes"]["static_jwks"]["jwks"]).is_empty() => {}
        "oidc" if !text(&spec["kubernetes"]["oidc"]["issuer"]).is_empty() => {}
        other => problems.push(format!(
            "{}'s kubernetes.type is {other:?}: in_cluster, or static_jwks with its jwks, or oidc with its issuer",
            kube.token_path
        )),
    }
    if text(&kube.values["token"]) != name {
        problems.push(format!(
            "{} joins with the token {:?}, but {} is named {name:?}",
            kube.values_path,
            text(&kube.values["token"]),
            kube.token_path
        ));
    }
    if !allowed.contains(&wanted) {
        problems.push(format!(
            "{} allows {allowed:?}, not {wanted}, the service account the chart runs tbot as in the workload's namespace",
            kube.token_path
        ));
    }
    verdict(
        CheckId::KubeJoinToken,
        problems,
        NO_JOIN,
        "re-render: the token allows the chart's service account, in the workload's namespace, for the bot",
        format!(
            "tbot joins as bot {} with the token {name}, which allows {wanted}",
            plan.workload.bot
        ),
    )
}

/// The chart's values name the cluster and the proxy (with its port), and create the bot's
/// service account under the name the token allows.
fn chart_check(kube: &KubernetesFiles, plan: &Plan) -> Check {
    let values = &kube.values;
    let proxy = plan.cluster.proxy.address_with_port();
    let mut problems = Vec::new();
    if text(&values["clusterName"]) != plan.cluster.cluster_name {
        problems.push(format!(
            "clusterName is {:?}, not {}",
            text(&values["clusterName"]),
            plan.cluster.cluster_name
        ));
    }
    if text(&values["teleportProxyAddress"]) != proxy {
        problems.push(format!(
            "teleportProxyAddress is {:?}, not {proxy} (the chart wants the port)",
            text(&values["teleportProxyAddress"])
        ));
    }
    if bot_account(kube).is_empty() || values["serviceAccount"]["create"].as_bool() != Some(true) {
        problems.push(
            "serviceAccount.create is not true with a serviceAccount.name: the account the token allows would not exist, or be named after the release".into(),
        );
    }
    verdict(
        CheckId::KubeChart,
        problems
            .into_iter()
            .map(|p| format!("{}: {p}", kube.values_path))
            .collect(),
        NO_JOIN,
        "re-render: the values name the cluster, the proxy with its port, and the bot's service account",
        format!(
            "the chart runs tbot for {} via {proxy} as the service account {}",
            plan.cluster.cluster_name,
            bot_account(kube)
        ),
    )
}

/// tbot writes a Secret that the workload's container mounts, in one namespace, and the Secret
/// the set creates is that one.
fn secret_check(kube: &KubernetesFiles, key: &str, plan: &Plan) -> Check {
    let container = &kube.names.container;
    let mut problems = Vec::new();
    let destination = kube.destination(key);
    let file = plan.written_file_name();
    match &destination {
        None => problems.push(format!(
            "tbot's {key} in {} does not write a kubernetes_secret destination",
            kube.values_path
        )),
        Some(secret) => {
            if text(&kube.secret["metadata"]["name"]) != *secret {
                problems.push(format!(
                    "secret.yaml creates {:?}, but tbot writes {secret:?}",
                    text(&kube.secret["metadata"]["name"])
                ));
            }
            match kube.deployment.secret_mount(container, secret) {
                None if kube.deployment.container(container).is_none() => problems.push(format!(
                    "{} has no container {container}",
                    kube.deployment_path
                )),
                None => problems.push(format!(
                    "the container {container} of {} mounts no volume of the Secret {secret}",
                    kube.deployment_path
                )),
                // Not a failure when the mount does not say readOnly: the kubelet mounts Secret
                // volumes read-only whatever it says (since 1.9.6, CVE-2017-1002102;
                // kubernetes/kubernetes#62099).
                Some(_) => {}
            }
        }
    }
    let namespaces = [
        text(&kube.secret["metadata"]["namespace"]),
        text(&kube.service_account["metadata"]["namespace"]),
    ];
    if namespaces.iter().any(|ns| *ns != kube.deployment.namespace) {
        problems.push(format!(
            "the Secret and the service account are in {namespaces:?}, the Deployment in {:?}: a Pod mounts Secrets of its own namespace only",
            kube.deployment.namespace
        ));
    }
    verdict(
        CheckId::KubeSecret,
        problems,
        "(before AWS) the Pod does not start (a Secret it mounts is missing) or its SDK finds no file: No such file or directory",
        "re-render: the Deployment mounts the Secret tbot writes",
        format!(
            "tbot writes the Secret {}, which {container} mounts at {}: the SDK reads {}/{file}",
            destination.unwrap_or_default(),
            kube.directory(key),
            kube.directory(key)
        ),
    )
}

/// The workload runs as its own service account: not the bot's, which could join as the bot and
/// change every Secret of the namespace, and the one the set creates.
fn service_account_check(kube: &KubernetesFiles) -> Check {
    let workload = &kube.deployment.service_account;
    let bot = bot_account(kube);
    let allowed = format!("{}:{workload}", kube.deployment.namespace);
    let token_allows_workload = kube.token["spec"]["kubernetes"]["allow"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|rule| text(&rule["service_account"]) == allowed);
    let mut problems = Vec::new();
    if workload.is_empty() {
        problems.push(format!(
            "{} names no serviceAccountName: the Pods run as the namespace's default account",
            kube.deployment_path
        ));
    } else if *workload == bot || token_allows_workload {
        problems.push(format!(
            "the workload runs as {workload}, which the join token allows: it could join Teleport as the bot{}",
            if *workload == bot { " and change every Secret of the namespace (the chart's Role)" } else { "" }
        ));
    }
    let created = text(&kube.service_account["metadata"]["name"]);
    if !workload.is_empty() && created != *workload {
        problems.push(format!(
            "service-account.yaml creates {created:?}, but the Deployment runs as {workload}"
        ));
    }
    match problems.is_empty() {
        true => Check::pass(
            CheckId::KubeServiceAccount,
            format!("the workload runs as {workload}; only tbot's {bot} may join as the bot"),
        ),
        false => Check::fail(
            CheckId::KubeServiceAccount,
            problems.join("; "),
            "(outside AWS) anything that runs as the workload could take the bot's identity",
            "re-render: tbot.service_account and tbot.bot_service_account are two accounts",
        ),
    }
}

/// EKS's pod identity webhook would give the container a second identity: its service account
/// must not carry the IRSA role annotation, and the Pod tells the webhook to skip the container.
fn eks_check(kube: &KubernetesFiles) -> Check {
    let container = &kube.names.container;
    let mut problems = Vec::new();
    if let Some(role) =
        kube.service_account["metadata"]["annotations"][EKS_ROLE_ANNOTATION].as_str()
    {
        problems.push(format!(
            "service-account.yaml carries {EKS_ROLE_ANNOTATION}: {role}"
        ));
    }
    if !kube.deployment.skips_eks_webhook(container) {
        problems.push(format!(
            "the Pod template of {} does not list {container} in {EKS_SKIP_CONTAINERS}",
            kube.deployment_path
        ));
    }
    verdict(
        CheckId::KubeEks,
        problems,
        &eks_conflict(),
        "re-render: the Pod template carries eks.amazonaws.com/skip-containers for the container",
        format!("EKS's pod identity webhook leaves {container} alone ({EKS_SKIP_CONTAINERS})"),
    )
}

/// What goes wrong when IRSA's webhook and tbot both give the container an identity.
pub fn eks_conflict() -> String {
    format!(
        "(in the SDK) on EKS the pod identity webhook injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE ({EKS_TOKEN_DIR}/token) for the service account's {EKS_ROLE_ANNOTATION}: the SDK may take that role instead of the one tbot's credentials are for"
    )
}

/// The patch gives the user's Deployment what the example Deployment has, which is what the
/// other checks proved: the service account, the annotation, the Secret's volume and mount, and
/// the AWS environment.
fn patch_check(kube: &KubernetesFiles) -> Check {
    let container = &kube.names.container;
    let (example, patch) = (&kube.deployment, &kube.patch);
    let mut problems = Vec::new();
    if patch.service_account != example.service_account {
        problems.push(format!(
            "serviceAccountName {:?}, the example's {:?}",
            patch.service_account, example.service_account
        ));
    }
    if patch.skips_eks_webhook(container) != example.skips_eks_webhook(container) {
        problems.push(format!("{EKS_SKIP_CONTAINERS} differs"));
    }
    let secret_of = |pod: &PodSpec| {
        pod.container(container).and_then(|c| {
            c.mounts.iter().find_map(|mount| {
                pod.secret_volumes
                    .get(&mount.volume)
                    .map(|secret| (secret.clone(), mount.path.clone()))
            })
        })
    };
    if secret_of(patch) != secret_of(example) {
        problems.push(format!(
            "the Secret's mount is {:?}, the example's {:?}",
            secret_of(patch),
            secret_of(example)
        ));
    }
    if patch.aws_env(container) != example.aws_env(container) {
        problems.push(format!(
            "the AWS environment is {:?}, the example's {:?}",
            patch.aws_env(container),
            example.aws_env(container)
        ));
    }
    verdict(
        CheckId::KubePatch,
        problems
            .into_iter()
            .map(|p| format!("{}: {p}", kube.patch_path))
            .collect(),
        "(in the SDK) a Deployment patched this way reads other credentials than the ones proven here",
        "re-render: the patch sets what the example Deployment sets",
        format!(
            "{} gives {container} the service account, the Secret's mount and the AWS environment of {}",
            kube.patch_path, kube.deployment_path
        ),
    )
}
