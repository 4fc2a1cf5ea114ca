//! What Kubernetes objects mean, independent of HTTP: the object store, the API semantics on
//! top of it (defaulting, validation, type checks, patches and server-side apply), label and
//! field selectors, quantities, the resource table, ControllerRevisions and PDB arithmetic.
//! The API server and the controllers both go through here.

pub mod api;
pub mod apply;
pub mod defaults;
pub mod kinds;
pub mod patch;
pub mod pdb;
pub mod quantity;
pub mod resources;
pub mod revision;
pub mod selectors;
pub mod store;
pub mod typecheck;
pub mod validation;
