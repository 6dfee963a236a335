//! Discovery against the demo proxy and its broken variants, over 127.0.0.1 only.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use wi_aws::discover::demo::{DemoOptions, DemoProxy, TeleportThumbprint};
use wi_aws::discover::{self, DiscoverError, Options};
use wi_aws::domain::teleport::ProxyAddress;
use wi_aws::domain::thumbprint;
use wi_aws::verify::check::{CheckId, Status};

const TIMEOUT: Duration = Duration::from_secs(2);

async fn start(options: DemoOptions) -> (DemoProxy, tempfile::TempDir, PathBuf) {
    let proxy = DemoProxy::start("127.0.0.1:0".parse().expect("address"), options)
        .await
        .expect("demo proxy starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &proxy.ca_pem).expect("write CA");
    (proxy, dir, ca)
}

fn options(ca: Option<&PathBuf>) -> Options {
    Options {
        ca_file: ca.cloned(),
        timeout: TIMEOUT,
        ..Options::default()
    }
}

async fn discover_demo(
    proxy: &DemoProxy,
    ca: Option<&PathBuf>,
) -> Result<discover::Findings, DiscoverError> {
    let address = ProxyAddress::parse(&proxy.authority()).expect("valid address");
    discover::discover(&address, &options(ca)).await
}

/// The check `id` of a demo proxy started with `options`, found through its CA.
async fn check_of(options: DemoOptions, id: CheckId) -> wi_aws::verify::check::Check {
    let (proxy, _dir, ca) = start(options).await;
    let findings = discover_demo(&proxy, Some(&ca)).await.expect("discovers");
    findings
        .checks
        .into_iter()
        .find(|c| c.id == id)
        .expect("check")
}

#[tokio::test]
async fn happy_path_reports_cluster_version_and_equal_thumbprints() {
    let (proxy, _dir, ca) = start(DemoOptions::default()).await;
    let findings = discover_demo(&proxy, Some(&ca)).await.expect("discovers");
    assert!(findings.all_ok(), "{:#?}", findings.checks);
    assert_eq!(
        findings.cluster_name,
        wi_aws::discover::demo::DEMO_CLUSTER_NAME
    );
    assert_eq!(
        findings.server_version,
        wi_aws::discover::demo::DEMO_VERSION
    );
    assert_eq!(findings.teleport_thumbprint, findings.chain_thumbprint);
    assert_eq!(
        findings.issuer,
        format!("https://{}/workload-identity", proxy.authority())
    );
    assert_eq!(findings.keys.len(), 1);
    assert!(findings.keys[0].usable_by_sts);
    assert_eq!(findings.keys[0].kid.as_deref(), Some(proxy.issuer.kid()));
}

#[tokio::test]
async fn thumbprint_is_the_last_certificate_sent_for_every_chain_shape() {
    for (intermediates, send_root) in [(0, false), (1, false), (2, false), (1, true), (0, true)] {
        let (proxy, _dir, ca) = start(DemoOptions {
            intermediates,
            send_root,
            ..DemoOptions::default()
        })
        .await;
        let findings = discover_demo(&proxy, Some(&ca)).await.expect("discovers");
        let sent = intermediates + 1 + usize::from(send_root);
        assert_eq!(
            findings.chain.len(),
            sent,
            "{intermediates} intermediates, root sent: {send_root}"
        );
        let last = proxy.served_chain.last().expect("a chain");
        assert_eq!(findings.chain_thumbprint, thumbprint::of_certificate(last));
        assert!(findings.all_ok(), "{:#?}", findings.checks);
        if send_root {
            assert!(findings.chain.last().expect("root").self_signed);
        }
    }
}

#[tokio::test]
async fn a_thumbprint_that_pins_another_certificate_is_explained() {
    let (proxy, _dir, ca) = start(DemoOptions {
        teleport_thumbprint: TeleportThumbprint::Leaf,
        ..DemoOptions::default()
    })
    .await;
    let findings = discover_demo(&proxy, Some(&ca)).await.expect("discovers");
    let check = findings
        .checks
        .iter()
        .find(|c| c.id == CheckId::Thumbprint)
        .expect("check");
    assert!(!check.ok());
    assert!(
        check
            .detail
            .contains("is certificate #1 of 2 (the server's own certificate"),
        "{}",
        check.detail
    );
    assert!(
        check.detail.contains(
            "AWS pins the last certificate sent, certificate #2 of 2 (an intermediate CA"
        ),
        "{}",
        check.detail
    );
    assert!(
        check
            .detail
            .ends_with(&format!("Use {}", findings.chain_thumbprint)),
        "{}",
        check.detail
    );
}

#[tokio::test]
async fn a_thumbprint_of_no_certificate_sent_is_explained() {
    let check = check_of(
        DemoOptions {
            teleport_thumbprint: TeleportThumbprint::Fixed("0".repeat(40)),
            ..DemoOptions::default()
        },
        CheckId::Thumbprint,
    )
    .await;
    assert!(!check.ok());
    assert!(
        check
            .detail
            .contains("matches no certificate this server sent"),
        "{}",
        check.detail
    );
}

#[tokio::test]
async fn a_mismatched_issuer_fails_its_check() {
    let (proxy, _dir, ca) = start(DemoOptions {
        issuer_override: Some("https://elsewhere.example.com/workload-identity/".into()),
        ..DemoOptions::default()
    })
    .await;
    let findings = discover_demo(&proxy, Some(&ca)).await.expect("discovers");
    let check = findings
        .checks
        .iter()
        .find(|c| c.id == CheckId::Issuer)
        .expect("check");
    assert!(!check.ok());
    assert!(check.detail.contains("must be equal"), "{}", check.detail);
    assert!(!findings.all_ok());
}

#[tokio::test]
async fn missing_endpoints_say_what_they_mean() {
    let cases = [
        ("/webapi/thumbprint", "Teleport is older than 16.x"),
        (
            "/workload-identity/.well-known/openid-configuration",
            "Workload Identity is not enabled",
        ),
        ("/workload-identity/jwt-jwks.json", "JWKS is missing"),
        ("/webapi/ping", "not a Teleport proxy"),
    ];
    for (path, meaning) in cases {
        let (proxy, _dir, ca) = start(DemoOptions {
            missing: vec![path.into()],
            ..DemoOptions::default()
        })
        .await;
        match discover_demo(&proxy, Some(&ca)).await {
            Err(error @ DiscoverError::NotFound { .. }) => {
                let line = error.to_string();
                assert!(line.contains(meaning) && line.contains(path), "{line}");
                assert!(!line.contains('\n'));
            }
            other => panic!("{path}: expected a 404 explanation, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn versions_without_jwt_svids_fail_and_before_the_guides_warn() {
    for (version, status, said) in [
        ("16.4.2", Status::Fail, "older than 16.4.3"),
        ("16.4.5", Status::Warn, "asks for 16.4.6"),
        ("16.4.6", Status::Pass, "16.4.6 or later"),
    ] {
        let check = check_of(
            DemoOptions {
                server_version: version.into(),
                ..DemoOptions::default()
            },
            CheckId::Version,
        )
        .await;
        assert_eq!(check.status, status, "{version}: {}", check.detail);
        assert!(check.detail.contains(said), "{version}: {}", check.detail);
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_on_time() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let started = Instant::now();
    let result = discover::discover(
        &ProxyAddress::parse(&address.to_string()).expect("valid"),
        &options(None),
    )
    .await;
    let elapsed = started.elapsed();
    holder.abort();
    match result {
        Err(error @ DiscoverError::Timeout { .. }) => {
            assert!(error.to_string().contains("TLS handshake"), "{error}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        elapsed < TIMEOUT + Duration::from_secs(2),
        "took {elapsed:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_named() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    match discover::discover(
        &ProxyAddress::parse(&address.to_string()).expect("valid"),
        &options(None),
    )
    .await
    {
        Err(error @ DiscoverError::Connect { .. }) => {
            assert!(error.to_string().contains("cannot connect"))
        }
        other => panic!("expected a refused connection, got {other:?}"),
    }
}

#[tokio::test]
async fn an_oversized_answer_is_cut_off() {
    let (proxy, _dir, ca) = start(DemoOptions {
        ping_padding: 2 << 20,
        ..DemoOptions::default()
    })
    .await;
    match discover_demo(&proxy, Some(&ca)).await {
        Err(error @ DiscoverError::BodyTooLarge { .. }) => {
            assert!(error.to_string().contains("larger than"))
        }
        other => panic!("expected the body cap, got {other:?}"),
    }
}

#[tokio::test]
async fn a_redirect_loop_is_cut_off() {
    let (proxy, _dir, ca) = start(DemoOptions {
        redirect_loop: true,
        ..DemoOptions::default()
    })
    .await;
    match discover_demo(&proxy, Some(&ca)).await {
        Err(error @ DiscoverError::Redirects { .. }) => {
            assert!(error.to_string().contains("redirects"))
        }
        other => panic!("expected the redirect limit, got {other:?}"),
    }
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused_naming_it() {
    // Another port of this machine is another proxy: nothing is fetched from it.
    let (proxy, _dir, ca) = start(DemoOptions {
        ping_redirect: Some("https://127.0.0.1:9/webapi/ping".into()),
        ..DemoOptions::default()
    })
    .await;
    match discover_demo(&proxy, Some(&ca)).await {
        Err(error @ DiscoverError::CrossHostRedirect { .. }) => {
            let message = error.to_string();
            assert!(message.contains("127.0.0.1:9"), "{message}");
            assert!(message.contains("another host"), "{message}");
        }
        other => panic!("expected the cross-host redirect to be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn an_untrusted_ca_is_refused_without_the_ca_file_and_accepted_with_it() {
    let (proxy, _dir, ca) = start(DemoOptions::default()).await;
    match discover_demo(&proxy, None).await {
        Err(error @ DiscoverError::Untrusted { .. }) => {
            let line = error.to_string();
            assert!(
                line.contains("does not lead to a CA this machine trusts"),
                "{line}"
            );
            assert!(line.contains(&thumbprint::of_certificate(
                proxy.served_chain.last().expect("chain")
            )));
        }
        other => panic!("expected an untrusted chain, got {other:?}"),
    }
    assert!(
        discover_demo(&proxy, Some(&ca))
            .await
            .expect("trusted with --ca-file")
            .all_ok()
    );
}

#[tokio::test]
async fn findings_fill_open_answers_and_warn_on_disagreement() {
    use wi_aws::answers::steps::FieldId;
    use wi_aws::answers::{Answer, Answers};
    let (proxy, _dir, ca) = start(DemoOptions::default()).await;
    let findings = discover_demo(&proxy, Some(&ca)).await.expect("discovers");

    let mut open = Answers::default();
    assert!(discover::apply_findings(&mut open, &findings).is_empty());
    assert_eq!(
        open.text(FieldId::ClusterName),
        Some(findings.cluster_name.as_str())
    );
    assert_eq!(
        open.list(FieldId::Thumbprints),
        Some(&[findings.chain_thumbprint.clone()][..])
    );
    assert_eq!(open.text(FieldId::Proxy), Some(proxy.authority().as_str()));

    let mut given = Answers::default();
    given.set_text(FieldId::ClusterName, "other.example.com");
    given.set(FieldId::Thumbprints, Answer::List(vec!["a".repeat(40)]));
    let warnings = discover::apply_findings(&mut given, &findings);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(given.text(FieldId::ClusterName), Some("other.example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbprint_equals_openssls_fingerprint_of_the_last_certificate() {
    let (proxy, _dir, ca) = start(DemoOptions {
        intermediates: 2,
        ..DemoOptions::default()
    })
    .await;
    let findings = discover_demo(&proxy, Some(&ca)).await.expect("discovers");
    let authority = proxy.authority();
    let openssl = tokio::task::spawn_blocking(move || {
        // AWS's documented method: the last certificate `openssl s_client -showcerts` prints.
        let shown = std::process::Command::new("openssl")
            .args(["s_client", "-showcerts", "-connect", &authority])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("openssl runs");
        let text = String::from_utf8_lossy(&shown.stdout).into_owned();
        let start = text
            .rfind("-----BEGIN CERTIFICATE-----")
            .expect("a certificate");
        let end = text.rfind("-----END CERTIFICATE-----").expect("its end")
            + "-----END CERTIFICATE-----".len();
        let mut child = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha1"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("openssl x509 runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(&text.as_bytes()[start..end])
            .expect("write");
        String::from_utf8_lossy(&child.wait_with_output().expect("output").stdout).into_owned()
    })
    .await
    .expect("joins");
    let fingerprint = openssl.trim().rsplit('=').next().expect("value");
    assert_eq!(
        thumbprint::normalize(fingerprint).expect("hex"),
        findings.chain_thumbprint
    );
}

#[tokio::test]
async fn discovery_says_which_api_generation_auto_picks_and_why() {
    for (version, api, why) in [
        (
            wi_aws::discover::demo::DEMO_VERSION,
            "workload-identity",
            "is 17.2.7 or later",
        ),
        (
            "17.2.6",
            "legacy-spiffe",
            "predates the workload_identity resource",
        ),
    ] {
        let (proxy, _dir, ca) = start(DemoOptions {
            server_version: version.into(),
            ..DemoOptions::default()
        })
        .await;
        let findings = discover_demo(&proxy, Some(&ca)).await.expect("discovers");
        assert_eq!(findings.api.as_deref(), Some(api), "{version}");
        assert!(
            findings.api_reason.contains(why),
            "{version}: {}",
            findings.api_reason
        );
        // Filled into the answers, the version makes auto pick the same generation.
        let mut answers = wi_aws::answers::Answers::default();
        wi_aws::discover::apply_findings(&mut answers, &findings);
        assert_eq!(
            answers.text(wi_aws::answers::steps::FieldId::Version),
            Some(version)
        );
    }
}

/// The SPIFFE bundle judged as a Roles Anywhere trust anchor: the demo's CA is found, fit, and
/// the one its `/demo/x509-svid` SVIDs chain to (wi-aws and OpenSSL agree); a proxy without the
/// bundle is a warning, not a failed discover. (curl and openssl block: the demo answers from
/// another worker thread.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spiffe_bundle_is_judged_as_a_trust_anchor() {
    use wi_aws::routes::roles_anywhere::x509;
    let (proxy, dir, ca) = start(DemoOptions::default()).await;
    let findings = discover_demo(&proxy, Some(&ca)).await.expect("discovers");
    assert!(findings.all_ok(), "{:#?}", findings.checks);
    let anchor = &findings.trust_anchor;
    assert!(
        anchor.url.ends_with("/webapi/spiffe/bundle.json"),
        "{anchor:?}"
    );
    assert_eq!(anchor.certificates.len(), 1, "{anchor:?}");
    assert_eq!(anchor.certificates[0].problem, None);
    assert_eq!(
        anchor.certificates[0].sha1,
        thumbprint::of_certificate(&proxy.spiffe_ca.certificate_der())
    );
    let check = findings
        .checks
        .iter()
        .find(|c| c.id == CheckId::TrustAnchor)
        .expect("a trust anchor check");
    assert_eq!(check.status, Status::Pass, "{check:?}");
    assert!(check.detail.contains("tctl auth export --type tls-spiffe"));

    // An SVID from the demo's endpoint, as tbot's workload-identity-x509 output would write it.
    let pem = anchor.pem.clone().expect("the bundle as PEM");
    std::fs::write(dir.path().join("anchor.pem"), &pem).expect("write");
    let url = format!(
        "https://{}/demo/x509-svid?path=/svc/example-service&ttl=600",
        proxy.authority()
    );
    let svid = std::process::Command::new("curl")
        .args(["--silent", "--fail", "--max-time", "20", "--cacert"])
        .arg(&ca)
        .arg(&url)
        .output()
        .expect("curl runs");
    assert!(
        svid.status.success(),
        "{}",
        String::from_utf8_lossy(&svid.stderr)
    );
    let svid = String::from_utf8(svid.stdout).expect("PEM");
    assert!(svid.contains("PRIVATE KEY"), "{svid}");
    std::fs::write(dir.path().join("svid.pem"), &svid).expect("write");
    let accepted = x509::accept_svid(&svid, &pem, std::time::SystemTime::now()).expect("accepted");
    assert_eq!(
        accepted.spiffe_id,
        format!(
            "spiffe://{}/svc/example-service",
            wi_aws::discover::demo::DEMO_CLUSTER_NAME
        )
    );
    let verified = std::process::Command::new("openssl")
        .args(["verify", "-CAfile", "anchor.pem", "svid.pem"])
        .current_dir(dir.path())
        .output()
        .expect("openssl runs");
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );

    // The same CA in this machine's system trust store is a public CA to Roles Anywhere: the
    // binary, with SSL_CERT_FILE naming it, says so (and discover only warns: OIDC needs none).
    let discovered = std::process::Command::new(env!("CARGO_BIN_EXE_wi-aws"))
        .args([
            "discover",
            "--json",
            "--proxy",
            &proxy.authority(),
            "--ca-file",
        ])
        .arg(&ca)
        .env("SSL_CERT_FILE", dir.path().join("anchor.pem"))
        .env("NO_COLOR", "1")
        .output()
        .expect("wi-aws runs");
    let said: serde_json::Value = serde_json::from_slice(&discovered.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&discovered.stdout),
            String::from_utf8_lossy(&discovered.stderr)
        )
    });
    let problem = said["trust_anchor"]["certificates"][0]["problem"]
        .as_str()
        .unwrap_or_default();
    assert!(problem.contains("public CA"), "{said:#}");
    assert_eq!(discovered.status.code(), Some(0), "{said:#}");

    let without = DemoOptions {
        missing: vec!["/webapi/spiffe/bundle.json".into()],
        ..DemoOptions::default()
    };
    let check = check_of(without, CheckId::TrustAnchor).await;
    assert_eq!(check.status, Status::Warn, "{check:?}");
    assert!(
        check.detail.contains("serves no SPIFFE bundle")
            && check.detail.contains("tctl auth export --type tls-spiffe"),
        "{check:?}"
    );
}
