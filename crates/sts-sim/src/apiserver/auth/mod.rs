//! Who may do what: authentication ([`authn`]), impersonation, authorization answers
//! ([`authz`]) decided by RBAC ([`rbac`]), and the [`guard`] that runs them in upstream's
//! order before every handler.

pub mod authn;
pub mod authz;
pub mod guard;
pub mod impersonation;
pub mod rbac;
