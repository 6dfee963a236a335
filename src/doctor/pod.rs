//! doctor on Kubernetes: a running Pod's spec (`kubectl get pod -o json`) against the set.
//!
//! What the Pod got can differ from what the set wrote: a mutating webhook adds to it, or the
//! Deployment was patched by hand. EKS's pod identity webhook adds IRSA's `AWS_ROLE_ARN` and
//! `AWS_WEB_IDENTITY_TOKEN_FILE`, a projected token volume (`aws-iam-token`) and its mount at
//! `/var/run/secrets/eks.amazonaws.com/serviceaccount` to every container of a Pod whose
//! service account carries `eks.amazonaws.com/role-arn`, unless the Pod's
//! `eks.amazonaws.com/skip-containers` names the container; EKS Pod Identity adds
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` (aws/amazon-eks-pod-identity-webhook, README; EKS user
//! guide, "EKS Pod Identity"). Either gives the SDK a second identity. Pure: the Pod comes in
//! read.

use crate::answers::plan::Plan;
use crate::domain::kubernetes::EKS_TOKEN_DIR;
use crate::verify::check::{Check, CheckId};
use crate::verify::kubernetes::{PodSpec, eks_conflict};

/// The variables a container must have, with their values, for the SDK to read tbot's file.
fn wanted_env(plan: &Plan) -> Vec<(&'static str, String)> {
    match &plan.roles_anywhere {
        Some(ra) => vec![
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                crate::routes::roles_anywhere::artifacts::credentials_file(
                    &plan.tbot.output_dir,
                    ra,
                ),
            ),
            ("AWS_PROFILE", ra.credential_profile.clone()),
        ],
        None => vec![
            ("AWS_ROLE_ARN", plan.role_arn()),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", plan.token_file()),
        ],
    }
}

/// The Pod runs as the workload's service account and its container reads tbot's Secret, and
/// nothing gives the container a second identity.
pub fn checks(plan: &Plan, pod: &PodSpec) -> Vec<Check> {
    let Some(kube) = &plan.tbot.kubernetes else {
        return Vec::new();
    };
    let container = &kube.container;
    let mut problems = Vec::new();
    if pod.namespace != kube.namespace {
        problems.push(format!(
            "the Pod is in {:?}, the Secret in {}",
            pod.namespace, kube.namespace
        ));
    }
    if pod.service_account != kube.service_account {
        problems.push(format!(
            "the Pod runs as {:?}, not {}",
            pod.service_account, kube.service_account
        ));
    }
    let env = pod
        .container(container)
        .map(|c| c.env.clone())
        .unwrap_or_default();
    match pod.secret_mount(container, &kube.secret_name) {
        _ if pod.container(container).is_none() => problems.push(format!(
            "the Pod has no container {container} (it has {:?})",
            pod.containers.iter().map(|c| &c.name).collect::<Vec<_>>()
        )),
        None => problems.push(format!(
            "{container} mounts no volume of the Secret {}",
            kube.secret_name
        )),
        Some(mount) if mount.path != plan.tbot.output_dir => problems.push(format!(
            "{container} mounts the Secret at {:?}, not at {}",
            mount.path, plan.tbot.output_dir
        )),
        Some(_) => {}
    }
    for (name, value) in wanted_env(plan) {
        if env.get(name) != Some(&value) {
            problems.push(format!(
                "{container}'s {name} is {:?}, not {value}",
                env.get(name)
            ));
        }
    }
    let pod_check = match problems.is_empty() {
        true => Check::pass(
            CheckId::PodSpec,
            format!(
                "the Pod runs as {}; {container} reads tbot's Secret {} at {}",
                kube.service_account, kube.secret_name, plan.tbot.output_dir
            ),
        ),
        false => Check::fail(
            CheckId::PodSpec,
            problems.join("; "),
            "(in the SDK) the workload reads no credentials of tbot's, or other ones",
            "apply kubernetes/deployment-patch.yaml to the Deployment, then restart its Pods",
        ),
    };
    vec![pod_check, second_identity_check(plan, pod, container)]
}

/// What in the Pod gives `container` an identity besides tbot's.
fn second_identity_check(plan: &Plan, pod: &PodSpec, container: &str) -> Check {
    let Some(spec) = pod.container(container) else {
        return Check::fail(
            CheckId::PodEks,
            format!("the Pod has no container {container}: nothing could be checked"),
            "unknown: the container was not found",
            "give the spec of a Pod of the workload's Deployment",
        );
    };
    let ours: Vec<(&str, String)> = wanted_env(plan);
    let mut found = Vec::new();
    for name in [
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_ACCESS_KEY_ID",
    ] {
        let set_by_us = ours
            .iter()
            .any(|(ours, value)| *ours == name && spec.env.get(name) == Some(value));
        if let Some(value) = spec.env.get(name).filter(|_| !set_by_us) {
            found.push(format!("{name}={value}"));
        }
    }
    if let Some(mount) = spec.mounts.iter().find(|mount| {
        mount.path.starts_with(EKS_TOKEN_DIR)
            || mount
                .path
                .starts_with("/var/run/secrets/pods.eks.amazonaws.com")
    }) {
        found.push(format!("a mount of {} at {}", mount.volume, mount.path));
    }
    match found.is_empty() {
        true => Check::pass(
            CheckId::PodEks,
            format!("nothing but tbot's Secret gives {container} an AWS identity"),
        ),
        false => Check::fail_owned(
            CheckId::PodEks,
            format!(
                "{container} has a second AWS identity: {} (EKS's pod identity webhook, for the service account {}'s eks.amazonaws.com/role-arn, or EKS Pod Identity)",
                found.join(", "),
                pod.service_account
            ),
            eks_conflict(),
            format!(
                "remove eks.amazonaws.com/role-arn from the service account {} (or its pod identity association), or list {container} in the Pod's eks.amazonaws.com/skip-containers (kubernetes/deployment-patch.yaml does), then restart the Pods",
                pod.service_account
            ),
        ),
    }
}
