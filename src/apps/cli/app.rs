//! How `sync` and `target export` reach an app: the tenant URL, the token, trust and the
//! timeout, checked before anything is sent (docs/sync.md#safety).

use std::path::PathBuf;
use std::time::Duration;

use super::Usage;
use crate::sync::{ClientSettings, HttpClient, TargetUrl, Token};

#[derive(clap::Args, Debug)]
pub(super) struct AppArgs {
    /// The app's SCIM base URL, as in Entra's Tenant URL field (https, or http to this
    /// machine). `?aadOptscim062020` selects that PATCH mode and is not sent.
    #[arg(long, value_name = "URL")]
    pub(super) target: String,
    /// Read the bearer token from this file (else from ENTRAMAP_SCIM_TOKEN).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Trust this PEM certificate (a private CA, a self-signed app) besides the system's.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Allow plain http:// to a host other than this machine (the token travels in clear).
    #[arg(long)]
    allow_http: bool,
    /// Seconds to wait for one answer.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    timeout: u64,
}

/// An app reached: its URL, the bundled client, and the token (for redacting).
pub(super) struct App {
    pub(super) target: TargetUrl,
    pub(super) client: HttpClient,
    pub(super) token: Option<Token>,
    /// How the client was made: `--concurrency` makes one more per worker.
    pub(super) settings: ClientSettings,
}

impl App {
    /// `n` more clients like the first, each with connections of its own.
    pub(super) fn clients(&self, n: usize) -> Result<Vec<HttpClient>, Usage> {
        (0..n)
            .map(|_| HttpClient::new(&self.target, &self.settings).map_err(Usage))
            .collect()
    }
}

impl AppArgs {
    /// Check the URL, the token and the CA file, and build the client.
    pub(super) fn connect(&self) -> Result<App, Usage> {
        let target = TargetUrl::parse(&self.target).map_err(|e| Usage(e.to_string()))?;
        if !target.is_https() && !target.is_loopback() && !self.allow_http {
            return Err(Usage(format!(
                "--target {}: plain http to another machine sends the token in clear; use https://, or --allow-http",
                target.base()
            )));
        }
        let token =
            match &self.token_file {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| Usage(format!("--token-file {}: {e}", path.display())))?;
                    Some(Token::new(&text).ok_or_else(|| {
                        Usage(format!("--token-file {} is empty", path.display()))
                    })?)
                }
                None => std::env::var("ENTRAMAP_SCIM_TOKEN")
                    .ok()
                    .and_then(|t| Token::new(&t)),
            };
        if token.is_none() && !target.is_loopback() {
            return Err(Usage(
                "no token: set ENTRAMAP_SCIM_TOKEN, or give --token-file (never on the command line)"
                    .into(),
            ));
        }
        let ca_pem = match &self.ca_file {
            Some(path) => Some(
                std::fs::read(path)
                    .map_err(|e| Usage(format!("--ca-file {}: {e}", path.display())))?,
            ),
            None => None,
        };
        let settings = ClientSettings {
            token: token.clone(),
            timeout: Duration::from_secs(self.timeout.max(1)),
            ca_pem,
        };
        let client = HttpClient::new(&target, &settings).map_err(Usage)?;
        Ok(App {
            target,
            client,
            token,
            settings,
        })
    }
}
