//! `wi-aws demo-proxy`: a local DEMO Teleport proxy, until Ctrl-C.

use super::CommandError;
use clap::Args;
use std::path::PathBuf;

use crate::artifacts::pipeline::exit;
use crate::discover::demo::{DemoOptions, DemoProxy};

#[derive(Debug, Args)]
pub struct DemoProxyArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:3443")]
    pub listen: std::net::SocketAddr,

    /// Where to write the demo root CA, to pass as --ca-file.
    #[arg(long, value_name = "FILE", default_value = "wi-aws-demo-ca.pem")]
    pub ca_out: PathBuf,

    /// The Teleport version the demo announces, to play an older cluster (e.g. 17.1.0 gets
    /// the legacy API generation).
    #[arg(long = "teleport-version", value_name = "X.Y.Z", default_value = crate::discover::demo::DEMO_VERSION)]
    pub teleport_version: String,

    /// Hold each connection's handshake and each answer this many milliseconds: a proxy that
    /// far away, to see what round trips cost.
    #[arg(long = "latency-ms", value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
}

pub fn run(args: &DemoProxyArgs) -> Result<u8, CommandError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| {
            CommandError::failure(format!("cannot start the async runtime: {error}"))
        })?;
    runtime.block_on(serve(args))
}

async fn serve(args: &DemoProxyArgs) -> Result<u8, CommandError> {
    let options = DemoOptions {
        server_version: args.teleport_version.clone(),
        latency: std::time::Duration::from_millis(args.latency_ms),
        ..DemoOptions::default()
    };
    let proxy = DemoProxy::start(args.listen, options)
        .await
        .map_err(|error| {
            CommandError::failure(error.to_string())
                .with_fix("choose another --listen address, e.g. 127.0.0.1:0 for any free port")
        })?;
    write_ca(&args.ca_out, &proxy.ca_pem)?;
    let authority = proxy.authority();
    let ca = args.ca_out.display();
    crate::outln!("listening on {authority}");
    crate::outln!("DEMO Teleport proxy — not Teleport, for trying wi-aws only. Ctrl-C stops it.");
    crate::outln!(
        "  cluster      {}",
        crate::discover::demo::DEMO_CLUSTER_NAME
    );
    crate::outln!("  version      {}", args.teleport_version);
    crate::outln!("  issuer       {}", proxy.issuer.issuer_url());
    crate::outln!("  CA to trust  {ca}");
    crate::outln!("Try:");
    crate::outln!("  wi-aws discover --proxy {authority} --ca-file {ca}");
    crate::outln!(
        "  curl --cacert {ca} 'https://{authority}/demo/jwt-svid?path=/svc/example-service'"
    );
    crate::outln!(
        "  curl --cacert {ca} 'https://{authority}/demo/x509-svid?path=/svc/example-service'"
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|error| CommandError::failure(error.to_string()))?;
    crate::outln!("stopped");
    proxy.stop();
    Ok(exit::OK)
}

/// Writes the demo CA to `path`, never through a symbolic link (it could point anywhere).
fn write_ca(path: &std::path::Path, pem: &str) -> Result<(), CommandError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let cannot = |detail: String| {
        CommandError::failure(format!("--ca-out {}: {detail}", path.display()))
            .with_fix("give the path of a regular file, e.g. wi-aws-demo-ca.pem")
    };
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(cannot(
            "a symbolic link; wi-aws does not write through one".into(),
        ));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .and_then(|mut file| match file.metadata()?.is_file() {
            true => file.write_all(pem.as_bytes()),
            false => Err(std::io::Error::other("not a regular file")),
        })
        .map_err(|error| cannot(error.to_string()))
}
