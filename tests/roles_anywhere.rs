//! IAM Roles Anywhere's X.509 side against an independent oracle: OpenSSL verifies the
//! simulated SPIFFE CA's SVIDs exactly when wi-aws accepts them, and reads the SPIFFE ID from
//! the SAN wi-aws tags the session with.

use std::process::Command;
use std::time::{Duration, SystemTime};
use wi_aws::routes::roles_anywhere::x509::{SimulatedSpiffeCa, X509Problem, accept_svid};

const SPIFFE_ID: &str = "spiffe://example.teleport.sh/svc/example-service";

fn openssl(args: &[&str], dir: &std::path::Path) -> (bool, String) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said)
}

#[test]
fn openssl_verifies_what_roles_anywhere_would_accept_and_refuses_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let now = SystemTime::now();
    let ca = SimulatedSpiffeCa::generate("example.teleport.sh", now).expect("a CA");
    let other = SimulatedSpiffeCa::generate("example.teleport.sh", now).expect("a CA");
    let svid = ca
        .issue(SPIFFE_ID, now, Duration::from_secs(3600))
        .expect("an SVID");
    std::fs::write(dir.path().join("anchor.pem"), ca.certificate_pem()).expect("write");
    std::fs::write(dir.path().join("other.pem"), other.certificate_pem()).expect("write");
    std::fs::write(dir.path().join("svid.pem"), &svid.certificate_pem).expect("write");

    let accepted = accept_svid(&svid.certificate_pem, ca.certificate_pem(), now).expect("accepted");
    let (verified, said) = openssl(&["verify", "-CAfile", "anchor.pem", "svid.pem"], dir.path());
    assert!(verified, "{said}");
    let (_, san) = openssl(
        &[
            "x509",
            "-in",
            "svid.pem",
            "-noout",
            "-ext",
            "subjectAltName",
        ],
        dir.path(),
    );
    assert!(san.contains(&format!("URI:{SPIFFE_ID}")), "{san}");
    assert_eq!(accepted.tags["x509SAN/URI"], SPIFFE_ID);
    // The serial Roles Anywhere names the session with is the one OpenSSL reads.
    let (_, serial) = openssl(
        &["x509", "-in", "svid.pem", "-noout", "-serial"],
        dir.path(),
    );
    // Compared as numbers: OpenSSL keeps DER's sign byte where x509-parser drops it.
    let as_number = |hex: &str| hex.to_lowercase().trim_start_matches('0').to_string();
    assert_eq!(
        as_number(serial.trim().trim_start_matches("serial=")),
        as_number(&accepted.serial)
    );

    // Another CA of the same name: both refuse.
    let (verified, said) = openssl(&["verify", "-CAfile", "other.pem", "svid.pem"], dir.path());
    assert!(!verified, "{said}");
    assert!(matches!(
        accept_svid(&svid.certificate_pem, other.certificate_pem(), now),
        Err(X509Problem::BadSignature { .. })
    ));
}
