//! The provisioning model: ISO 3166 countries, SCIM's vocabulary (target paths, create bodies,
//! requests as values and their one writer), mapping sets, and provisioning itself — records
//! to the requests Entra sends, in its order.
//!
//! The stages, in the order data flows through them; each imports only from those above it.

pub mod country;
pub mod scim;
pub mod mapping;
pub mod provision;
