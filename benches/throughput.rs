//! Throughput and scale, in one process on one core, printed for `scripts/bench.sh`:
//! - `cargo bench --bench throughput` — JWT operations per second;
//! - `cargo bench --bench throughput -- scale N` — N sequential renders of distinct workloads:
//!   wall time and peak resident memory (VmHWM);
//! - `cargo bench --bench throughput -- fleet N` — one answers file of N workloads (version 2):
//!   validate and render, write, and verify (every workload's STS simulation and the sampled
//!   isolation pairs), each timed, and the peak resident memory of the whole.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};
use wi_aws::domain::jwt_svid::Issuer;
use wi_aws::verify::sts::{self, Provider};

fn per_second(label: &str, budget: Duration, mut operation: impl FnMut()) {
    // Warm up, then count whole operations within the budget.
    for _ in 0..50 {
        operation();
    }
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < budget {
        operation();
        count += 1;
    }
    let rate = count as f64 / start.elapsed().as_secs_f64();
    println!(
        "{label:<48} {rate:>10.0}/s  ({count} in {:.2?})",
        start.elapsed()
    );
}

/// N answers sets differing in their workload, rendered one after another.
fn scale(count: usize) {
    let example = include_str!("../examples/answers.yaml");
    let templates = wi_aws::artifacts::render::Templates::embedded().expect("templates");
    let start = Instant::now();
    let mut bytes = 0;
    for index in 0..count {
        let answers = example
            .replace("/svc/example-service", &format!("/svc/workload-{index}"))
            .replace(
                "role_name: workload-id-demo",
                &format!("role_name: workload-{index}"),
            );
        let plan = wi_aws::answers::fleet::single_plan(&answers).expect("valid");
        let artifacts = wi_aws::artifacts::render::render(&plan, &templates).expect("renders");
        bytes += artifacts.iter().map(|a| a.contents.len()).sum::<usize>();
    }
    let elapsed = start.elapsed();
    let peak_kib = peak_rss_kib();
    println!(
        "scale {count} renders: {:.6} s, peak RSS {peak_kib} KiB, {bytes} bytes rendered",
        elapsed.as_secs_f64()
    );
}

/// A fleet of `count` workloads on one cluster and account, in pairs sharing a bucket, every
/// other one reading what its neighbour writes.
fn fleet_answers(count: usize) -> String {
    let mut text = String::from(
        "version: 2\nteleport: {proxy: example.teleport.sh, version: 17.4.2}\naws: {account_id: \"123456789012\", thumbprints: [9e99a48a9960b14926bb7f3b02e22da2b0ab7280]}\nworkloads:\n",
    );
    for n in 0..count {
        let access = if n % 2 == 0 {
            "write-only"
        } else {
            "read-only"
        };
        text.push_str(&format!(
            "  - name: w{n}\n    teleport: {{spiffe_path: /svc/team-{}/w{n}, bot: bot-w{n}}}\n    aws: {{bucket: fleet-bucket-{}, access: {access}}}\n",
            n / 10,
            n / 2
        ));
    }
    text
}

fn fleet(count: usize) {
    let text = fleet_answers(count);
    let templates = wi_aws::artifacts::render::Templates::embedded().expect("templates");
    let dir = tempfile::tempdir().expect("temp dir");
    let start = Instant::now();
    let fleet = wi_aws::answers::fleet::from_answers_file(&text).expect("valid");
    let artifacts = wi_aws::artifacts::render::render_fleet(&fleet, &templates).expect("renders");
    let rendered = start.elapsed();
    wi_aws::artifacts::write::write_all(dir.path(), &artifacts, false).expect("writes");
    let written = start.elapsed() - rendered;
    let verify_start = Instant::now();
    let report = wi_aws::verify::verify_dir(dir.path()).expect("verifies");
    let verified = verify_start.elapsed();
    assert!(
        report.passed(),
        "{}",
        report.lines(|s| s.mark().into()).join("\n")
    );
    let main_tf = &artifacts[0].contents;
    assert_eq!(main_tf.matches("resource \"aws_iam_role\"").count(), 1);
    println!(
        "fleet {count} workloads: render {:.6} s, write {:.6} s, verify {:.6} s, {} files, peak RSS {} KiB",
        rendered.as_secs_f64(),
        written.as_secs_f64(),
        verified.as_secs_f64(),
        artifacts.len(),
        peak_rss_kib()
    );
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|line| {
            line.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
        })
        .unwrap_or(0)
}

/// Writes a token and its JWKS, for timing other implementations on the same input.
fn export(dir: &std::path::Path) {
    let issuer = Issuer::generate("https://example.teleport.sh/workload-identity").expect("issuer");
    let token = issuer
        .issue(
            "spiffe://example.teleport.sh/svc/example-service",
            "sts.amazonaws.com",
            Duration::from_secs(3600),
        )
        .expect("token");
    std::fs::write(dir.join("token"), token).expect("write token");
    std::fs::write(
        dir.join("jwks.json"),
        serde_json::to_string(&issuer.jwks()).expect("JSON"),
    )
    .expect("write JWKS");
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.as_slice() {
        [mode, count] if mode == "scale" => {
            scale(count.parse().expect("a number of renders"));
            return;
        }
        [mode, count] if mode == "fleet" => {
            fleet(count.parse().expect("a number of workloads"));
            return;
        }
        [mode, dir] if mode == "export" => {
            export(std::path::Path::new(dir));
            return;
        }
        _ => {}
    }
    let issuer = Issuer::generate("https://example.teleport.sh/workload-identity").expect("issuer");
    let jwks: sts::VerificationKeys = issuer.jwks().into();
    let token = issuer
        .issue(
            "spiffe://example.teleport.sh/svc/example-service",
            "sts.amazonaws.com",
            Duration::from_secs(600),
        )
        .expect("token");
    let provider = Provider {
        url: "https://example.teleport.sh/workload-identity".into(),
        client_ids: Some(vec!["sts.amazonaws.com".into()]),
    };
    let budget = Duration::from_secs(2);
    per_second(
        "JWT RS256 validation as STS (sts::validate)",
        budget,
        || {
            let (checks, _) = sts::validate(
                black_box(&token),
                &jwks,
                &provider,
                SystemTime::now(),
                false,
            );
            black_box(checks);
        },
    );
    let key = jsonwebtoken::DecodingKey::from_jwk(issuer.jwk()).expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&["sts.amazonaws.com"]);
    validation.set_issuer(&["https://example.teleport.sh/workload-identity"]);
    per_second(
        "JWT RS256 decode+verify (jsonwebtoken alone)",
        budget,
        || {
            black_box(
                jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &key, &validation)
                    .expect("valid"),
            );
        },
    );
    per_second("JWT RS256 issue (sign)", budget, || {
        black_box(
            issuer
                .issue(
                    "spiffe://example.teleport.sh/svc/example-service",
                    "sts.amazonaws.com",
                    Duration::from_secs(600),
                )
                .expect("token"),
        );
    });
}
