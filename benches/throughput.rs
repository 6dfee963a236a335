//! Throughput and scale, in one process on one core, printed for `scripts/bench.sh`:
//! - `cargo bench --bench throughput` — JWT operations per second;
//! - `cargo bench --bench throughput -- scale N` — N sequential renders of distinct workloads:
//!   wall time and peak resident memory (VmHWM).

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};
use wi_aws::jwt_svid::Issuer;
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
    let templates = wi_aws::render::Templates::embedded().expect("templates");
    let start = Instant::now();
    let mut bytes = 0;
    for index in 0..count {
        let answers = example
            .replace("/svc/example-service", &format!("/svc/workload-{index}"))
            .replace(
                "role_name: workload-id-demo",
                &format!("role_name: workload-{index}"),
            );
        let plan = wi_aws::fleet::single_plan(&answers).expect("valid");
        let artifacts = wi_aws::render::render(&plan, &templates).expect("renders");
        bytes += artifacts.iter().map(|a| a.contents.len()).sum::<usize>();
    }
    let elapsed = start.elapsed();
    let peak_kib = std::fs::read_to_string("/proc/self/status")
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
        .unwrap_or(0);
    println!(
        "scale {count} renders: {:.6} s, peak RSS {peak_kib} KiB, {bytes} bytes rendered",
        elapsed.as_secs_f64()
    );
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
    let key = jsonwebtoken::DecodingKey::from_jwk(&issuer.jwks().keys[0]).expect("key");
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
