//! Code42's own side of provisioning (docs/code42.md): where Code42 puts each user the
//! mapping sends (organization, roles, deactivation), from a configuration file of the
//! console's organization and role mapping. `entramap code42 preview` and
//! `entramap check -m SET --code42 FILE`.
//!
//! ```
//! use entramap::code42::{Config, lint};
//! let config = Config::parse(r#"
//! plan = "crashplan-cloud"
//! [organizations]
//! method = "attribute"
//! attribute = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
//! unmapped = "Unassigned"
//! "#, "code42.toml")?;
//! let code42 = entramap::Environment::new().mapping("code42")?;
//! assert!(lint(&config, code42.set(), &entramap::Options::default()).is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod config;
pub mod lint;
pub mod preview;
pub mod render;

pub use config::{Config, ConfigError, OrgMethod, Plan};
pub use lint::{Lint, lint};
pub use preview::{Preview, Summary, UserPreview, preview};
