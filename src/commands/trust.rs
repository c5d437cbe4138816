//! Handlers for `trust list` and `trust rm`: the certificates trusted always (known_hosts in
//! the data directory, see `trust.rs`). Neither needs a connection.

use anyhow::Result;

use super::{Ctx, TrustAction, TrustArgs};
use crate::output::model::{self, Report};

pub fn trust(ctx: &mut Ctx, a: TrustArgs) -> Result<()> {
    let trust = std::sync::Arc::clone(&ctx.session.opts.trust);
    match a.action {
        TrustAction::List => {
            let (entries, warnings) = trust.list()?;
            for w in warnings {
                ctx.out.warn(&w);
            }
            if entries.is_empty() && !ctx.out.json() {
                let place = trust
                    .known_hosts_path()
                    .map(|p| format!(" in {}", p.display()))
                    .unwrap_or_default();
                ctx.out
                    .info(&format!("trust: no trusted certificates{place}"));
            }
            for e in entries {
                ctx.out.emit(&Report::Trusted(model::TrustedData {
                    host: e.host,
                    port: e.port,
                    fingerprint: e.fingerprint.to_string(),
                    action: "listed".into(),
                }))?;
            }
            Ok(())
        }
        TrustAction::Rm { host } => {
            let (host, port) = crate::trust::parse_host_port(&host)?;
            for e in trust.remove(&host, port)? {
                ctx.out.emit(&Report::Trusted(model::TrustedData {
                    host: e.host,
                    port: e.port,
                    fingerprint: e.fingerprint.to_string(),
                    action: "removed".into(),
                }))?;
            }
            Ok(())
        }
    }
}
