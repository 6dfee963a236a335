//! `aws.max_session_duration` and `aws.tags`: checked in the answers with IAM's rules, carried
//! exactly into main.tf and the AWS CLI script on both routes, held to by verify (a file that
//! disagrees fails), and on the Roles Anywhere route never shorter than tbot's sessions.

mod common;

use common::*;
use wi_aws::answers::fleet;
use wi_aws::verify::{self, CheckId, Status, terraform};

const FIXTURE: &str = "tests/fixtures/tagged-bounded-4h.yaml";

fn fixture() -> String {
    std::fs::read_to_string(repo_path(FIXTURE)).expect("fixture")
}

fn problems_of(text: &str) -> String {
    fleet::from_answers_file(text)
        .err()
        .unwrap_or_else(|| panic!("accepted: {text}"))
        .to_string()
}

#[test]
fn the_longest_session_is_whole_seconds_from_one_to_twelve_hours() {
    for bad in ["3599", "43201", "4h", "-1", "14400.5"] {
        let problems = problems_of(&fixture().replace(
            "max_session_duration: 14400",
            &format!("max_session_duration: {bad:?}"),
        ));
        assert!(
            problems.contains("line 21: aws.max_session_duration")
                && problems.contains("3600 to 43200 seconds"),
            "{bad}: {problems}"
        );
    }
    for good in ["3600", "43200"] {
        let text = fixture().replace("14400", good);
        assert!(fleet::from_answers_file(&text).is_ok(), "{good}");
    }
}

#[test]
fn on_roles_anywhere_the_role_follows_the_answer_and_never_cuts_tbots_sessions_short() {
    let example =
        std::fs::read_to_string(repo_path("examples/roles-anywhere.yaml")).expect("example");
    let with = |seconds: &str| {
        let at = example.find("\naws:\n").expect("aws section") + "\naws:\n".len();
        format!(
            "{}  max_session_duration: {seconds}\n{}",
            &example[..at],
            &example[at..]
        )
    };
    let plan = fleet::single_plan(&with("43200")).expect("valid");
    assert_eq!(
        plan.roles_anywhere.as_ref().map(|ra| ra.role_max_session),
        Some(43200)
    );
    // tbot asks 6h by default: a role of 1h would refuse them.
    let problems = problems_of(&with("3600"));
    assert!(
        problems.contains("aws.max_session_duration")
            && problems.contains("longer than the role's longest session"),
        "{problems}"
    );
}

#[test]
fn tags_follow_iams_rules_and_leave_created_by_to_wi_aws() {
    for (bad, rule) in [
        ("no-equals-sign", "a tag is KEY=VALUE"),
        ("=value", "a tag is KEY=VALUE"),
        ("team=a|b", "a tag is KEY=VALUE"),
        ("aws:team=x", "aws: are AWS's own"),
        ("team=AWS:x", "aws: are AWS's own"),
        ("created-by=me", "created-by is the tag wi-aws gives"),
    ] {
        let problems =
            problems_of(&fixture().replace("    - team=payments\n", &format!("    - {bad:?}\n")));
        assert!(
            problems.contains("aws.tags") && problems.contains(rule),
            "{bad}: {problems}"
        );
    }
    let twice = problems_of(&fixture().replace("    - cost-center=1234\n", "    - team=billing\n"));
    assert!(twice.contains("the tag team is given twice"), "{twice}");
    let many: String = (0..50).map(|n| format!("    - k{n}=v\n")).collect();
    let too_many = problems_of(&fixture().replace("    - team=payments\n", &many));
    assert!(too_many.contains("more than the 50"), "{too_many}");
    // 49 and created-by are 50: accepted.
    let most: String = (0..47).map(|n| format!("    - k{n}=v\n")).collect();
    assert!(fleet::from_answers_file(&fixture().replace("    - team=payments\n", &most)).is_ok());
    // Tags are the set's: a workload of a fleet may not give its own.
    let fleet_text = std::fs::read_to_string(repo_path("examples/fleet.yaml"))
        .expect("example")
        .replacen("    aws:\n", "    aws:\n      tags: [team=x]\n", 1);
    let problems = problems_of(&fleet_text);
    assert!(
        problems.contains("aws.tags is shared by every workload"),
        "{problems}"
    );
}

#[test]
fn main_tf_and_the_script_carry_the_session_and_the_tags_exactly() {
    let plan = plan_of(FIXTURE);
    let artifacts = render_plan(&plan);
    let values = terraform_values(&artifacts, &plan);
    assert_eq!(
        values
            .get(&format!("{}.max_session_duration", terraform::ROLE))
            .and_then(|v| v.as_u64()),
        Some(14400)
    );
    let tags = values
        .get(".provider.aws.default_tags.tags")
        .and_then(|v| v.as_object())
        .expect("default tags");
    let tags: Vec<(&str, &str)> = tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().expect("a string")))
        .collect();
    assert_eq!(
        tags,
        [
            ("team", "payments"),
            ("cost-center", "1234"),
            ("Name", "Orders service")
        ]
    );
    let script = artifact(&artifacts, "aws-cli/setup.sh");
    let assigned = verify::shell_assignments(script);
    assert_eq!(assigned["max_session_duration"], "14400");
    let iam: serde_json::Value = serde_json::from_str(&assigned["created_by"]).expect("JSON");
    assert_eq!(
        iam,
        serde_json::json!([
            {"Key": "created-by", "Value": "wi-aws"},
            {"Key": "team", "Value": "payments"},
            {"Key": "cost-center", "Value": "1234"},
            {"Key": "Name", "Value": "Orders service"},
        ])
    );
    let bucket: serde_json::Value =
        serde_json::from_str(&assigned["bucket_tagging"]).expect("JSON");
    assert_eq!(bucket["TagSet"], iam);
    assert!(script.contains("--max-session-duration \"$max_session_duration\""));
    assert!(script.contains("--tagging \"$bucket_tagging\""));
}

#[test]
fn verify_fails_a_file_that_disagrees_with_the_answers() {
    let written = || written_set(&plan_of(FIXTURE));
    let dir = written();
    for id in [CheckId::MaxSession, CheckId::Tags] {
        assert_eq!(
            verified_check(dir.path(), id).status,
            Status::Pass,
            "{id:?}"
        );
    }
    let main = dir.path().join("terraform/main.tf");
    edit_file(
        &main,
        "max_session_duration = 14400",
        "max_session_duration = 43200",
    );
    let check = verified_check(dir.path(), CheckId::MaxSession);
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(
        check.detail.starts_with("main.tf lets sessions"),
        "{check:?}"
    );

    let dir = written();
    edit_file(
        &dir.path().join("aws-cli/setup.sh"),
        "max_session_duration=14400",
        "max_session_duration=3600",
    );
    assert_eq!(
        verified_check(dir.path(), CheckId::MaxSession).status,
        Status::Fail
    );

    let dir = written();
    edit_file(
        &dir.path().join("terraform/main.tf"),
        "\"team\" = \"payments\"",
        "\"team\" = \"billing\"",
    );
    let check = verified_check(dir.path(), CheckId::Tags);
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(check.detail.contains("team=billing"), "{check:?}");

    let dir = written();
    edit_file(
        &dir.path().join("aws-cli/setup.sh"),
        r#",{"Key":"team","Value":"payments"}"#,
        "",
    );
    let check = verified_check(dir.path(), CheckId::Tags);
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(
        check.detail.starts_with("aws-cli/setup.sh tags"),
        "{check:?}"
    );
}

#[test]
fn verify_fails_what_it_cannot_read_as_the_session_or_the_tags() {
    let written = || written_set(&plan_of(FIXTURE));
    // Terraform takes the number as a string too: still the answers' session.
    let dir = written();
    edit_file(
        &dir.path().join("terraform/main.tf"),
        "max_session_duration = 14400",
        "max_session_duration = \"14400\"",
    );
    assert_eq!(
        verified_check(dir.path(), CheckId::MaxSession).status,
        Status::Pass
    );
    // Not seconds at all: a failure that says so, not IAM's default.
    let dir = written();
    edit_file(
        &dir.path().join("aws-cli/setup.sh"),
        "max_session_duration=14400",
        "max_session_duration=4h",
    );
    let check = verified_check(dir.path(), CheckId::MaxSession);
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(check.detail.contains("not seconds"), "{check:?}");

    // The script's tags without wi-aws's own: teardown.sh would take nothing away.
    let dir = written();
    edit_file(
        &dir.path().join("aws-cli/setup.sh"),
        r#"{"Key":"created-by","Value":"wi-aws"},"#,
        "",
    );
    let check = verified_check(dir.path(), CheckId::Tags);
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(check.detail.contains("created-by=wi-aws"), "{check:?}");
    // A tag that is not a Key and a Value is not dropped quietly.
    let dir = written();
    edit_file(
        &dir.path().join("aws-cli/setup.sh"),
        r#"{"Key":"team","Value":"payments"}"#,
        r#"{"Key":"team"}"#,
    );
    assert_eq!(
        verified_check(dir.path(), CheckId::Tags).status,
        Status::Fail
    );
}

#[test]
fn on_roles_anywhere_a_file_holds_the_answers_durations_not_only_ones_that_fit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = plan_of("examples/roles-anywhere.yaml");
    wi_aws::artifacts::write::write_all(dir.path(), &render_plan(&plan), false).expect("writes");
    let role_max = plan
        .roles_anywhere
        .as_ref()
        .expect("the route")
        .role_max_session;
    // A longer role maximum fits tbot's sessions, but is not what the answers chose.
    edit_file(
        &dir.path().join("terraform/main.tf"),
        &format!("max_session_duration = {role_max}"),
        "max_session_duration = 43200",
    );
    let check = verified_check(dir.path(), CheckId::SessionDurations);
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(
        check.detail.contains(&format!(
            "main.tf's role max_session_duration is 43200 s, the answers {role_max} s"
        )),
        "{check:?}"
    );
}
