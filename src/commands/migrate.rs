//! `wi-aws migrate FILE`: a version 1 answers file (one workload) in the version 2 form (a
//! fleet), printed to stdout, so more workloads can be added under `workloads:`.

use super::CommandError;
use crate::answers::fleet;
use crate::answers::{FleetAnswers, Form};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The answers file to convert (version 1). It is only read; redirect stdout to keep the
    /// result, e.g. `wi-aws migrate answers.yaml > fleet.yaml`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub fn run(args: &MigrateArgs) -> Result<u8, CommandError> {
    let path = args.file.display();
    let text =
        crate::artifacts::files::read_text(&args.file, crate::artifacts::files::ANSWERS_LIMIT)
            .map_err(|e| {
                CommandError::bad_input(format!("{e}")).with_fix("give the path of an answers file")
            })?;
    // The file must be valid: a fleet made of broken answers would fail later, far from here.
    let base = args.file.parent().unwrap_or(std::path::Path::new("."));
    let read = crate::artifacts::files::named_file_reader(base);
    let checked = fleet::from_answers_file_reading(&text, &read)
        .map_err(|problems| CommandError::bad_input(format!("{path}: {problems}")))?;
    let (answers, _) = FleetAnswers::from_yaml(&text);
    if checked.form == Form::Fleet {
        crate::errln!("{path} is already version 2; printed as it reads.");
        crate::out!("{}", answers.to_yaml());
        return Ok(crate::artifacts::pipeline::exit::OK);
    }
    let migrated = fleet::migrate(&answers);
    let name = migrated.workloads[0].name.clone().unwrap_or_default();
    crate::out!(
        "# wi-aws answers, version 2 (a fleet), from {path}. Add workloads under `workloads:`.\n{}",
        migrated.to_yaml()
    );
    crate::errln!(
        "Migrated {path}: its workload is now `{name}` of a fleet; the other files it renders keep their content, and move:"
    );
    crate::errln!(
        "  iam/*.json → iam/{name}/, teleport/role.yaml (and workload-identity.yaml) → teleport/{name}/,"
    );
    crate::errln!("  tbot/ and aws/ → hosts/{name}/ (the bundle for the workload's host).");
    crate::errln!(
        "If Terraform applied the old main.tf, move its state to the fleet's addresses before the next apply:"
    );
    for address in [
        "aws_iam_policy.workload",
        "aws_iam_role.workload",
        "aws_iam_role_policy_attachment.workload",
    ] {
        crate::errln!("  terraform state mv '{address}' '{address}[\"{name}\"]'");
    }
    if let Some(ra) = &checked.shared().roles_anywhere {
        // The fleet's profiles are keyed by their name (workloads may share one).
        let profile = &ra.profile_name;
        crate::errln!(
            "  terraform state mv 'aws_rolesanywhere_profile.workload' 'aws_rolesanywhere_profile.workload[\"{profile}\"]'"
        );
    }
    if let (true, Some(bucket)) = (
        checked.shared().aws.create_bucket,
        &checked.shared().aws.bucket,
    ) {
        for kind in [
            "aws_s3_bucket",
            "aws_s3_bucket_public_access_block",
            "aws_s3_bucket_server_side_encryption_configuration",
            "aws_s3_bucket_versioning",
        ] {
            crate::errln!("  terraform state mv '{kind}.workload' '{kind}.workload[\"{bucket}\"]'");
        }
    }
    Ok(crate::artifacts::pipeline::exit::OK)
}
