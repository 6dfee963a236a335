//! Throughput of the STS simulation's hot paths, in one process on one core:
//! `cargo bench --bench verify`. Prints operations per second; asserts nothing.

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

fn main() {
    let issuer = Issuer::generate("https://example.teleport.sh/workload-identity").expect("issuer");
    let jwks = issuer.jwks();
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
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwks.keys[0]).expect("key");
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
