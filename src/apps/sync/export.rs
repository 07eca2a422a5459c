//! `entramap target export`: every user and group the app holds, as `--current` reads them
//! (docs/sync.md#verifying-a-cycle). `GET /Users` and `GET /Groups`, paged by `startIndex` and
//! `count`; each group again by its id, since many apps leave members out of a list.

use std::io::Write;

use serde_json::Value as Json;

use super::exchange::{Answer, Sender, detail, scim_object};
use super::http::{HttpRequest, Transport};
use super::port::{Port, drive};
use super::target::TargetUrl;
use super::{CycleSettings, Observer, Origin, Stopped, SyncReport};
use crate::scim::ResourceKind;

/// Resources asked for a page.
const PAGE: usize = 100;

/// What an export wrote.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Exported {
    /// Users written.
    pub users: usize,
    /// Groups written.
    pub groups: usize,
    /// The exchanges it took.
    #[serde(flatten)]
    pub report: SyncReport,
}

/// Write every user, then every group, `target` holds to `out`, one JSON object a line.
pub fn export(
    target: &TargetUrl,
    transport: &mut dyn Transport,
    settings: &CycleSettings,
    out: &mut dyn Write,
    observer: &mut dyn Observer,
) -> Result<Exported, Stopped> {
    let port = Port::default();
    let run = export_async(target, port.clone(), settings, out, observer);
    drive(run, &port, transport)
}

/// [`export`], awaiting the port.
async fn export_async(
    target: &TargetUrl,
    port: Port,
    settings: &CycleSettings,
    out: &mut dyn Write,
    observer: &mut dyn Observer,
) -> Result<Exported, Stopped> {
    let started = std::time::Instant::now();
    let mut sender = Sender::new(target, port, settings.retry.clone(), settings.token.clone());
    let mut exported = Exported::default();
    let mut write = |resource: &Json| {
        serde_json::to_writer(&mut *out, resource)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|e| Stopped(format!("cannot write the export: {e}")))
    };
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let mut start = 1;
        loop {
            let path = format!("{}?startIndex={start}&count={PAGE}", kind.endpoint());
            let page = get(&mut sender, &mut exported.report, target, &path, observer).await?;
            let resources = page
                .as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("Resources")))
                .and_then(|(_, v)| v.as_array())
                .cloned()
                .unwrap_or_default();
            let total = page.get("totalResults").and_then(Json::as_u64);
            for resource in &resources {
                let full = match (kind, resource.get("id").and_then(Json::as_str)) {
                    (ResourceKind::Group, Some(id)) => {
                        let path = format!("{}/{}", kind.endpoint(), encode(id));
                        get(&mut sender, &mut exported.report, target, &path, observer).await?
                    }
                    _ => resource.clone(),
                };
                write(&full)?;
                match kind {
                    ResourceKind::User => exported.users += 1,
                    ResourceKind::Group => exported.groups += 1,
                }
            }
            start += resources.len();
            let done = resources.is_empty()
                || total.is_some_and(|t| u64::try_from(start).unwrap_or(u64::MAX) > t);
            if done {
                break;
            }
        }
    }
    exported.report.elapsed = started.elapsed();
    Ok(exported)
}

/// One GET of the export (sync's own), its answer as a JSON object; anything else stops it.
async fn get(
    sender: &mut Sender<'_>,
    report: &mut SyncReport,
    target: &TargetUrl,
    path: &str,
    observer: &mut dyn Observer,
) -> Result<Json, Stopped> {
    let url = target.url(path);
    let request = HttpRequest {
        method: "GET",
        url: &url,
        body: None,
    };
    match sender
        .exchange(report, Origin::Sync, request, None, observer)
        .await?
    {
        Answer::Response(r) if r.status == 200 => {
            scim_object(&r).map_err(|why| Stopped(format!("GET {path}: {why}")))
        }
        Answer::Response(r) => Err(Stopped(format!(
            "GET {path} answered {}: {}",
            r.status,
            detail(&r)
        ))),
        Answer::Found(_) => Err(Stopped(format!("GET {path}: no answer"))),
        Answer::Lost(why) => Err(Stopped(format!("GET {path}: {why}"))),
    }
}

/// An id as one path segment.
fn encode(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}
