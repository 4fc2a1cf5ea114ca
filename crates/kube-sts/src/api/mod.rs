//! The code that talks to the API server beyond the constant-cost reads of [`crate::read`]:
//! permission pre-checks ([`access`]), exec ([`exec`]), proxy GETs ([`proxy`]), the objects
//! of a watch ([`watch_store`]) and watch-driven waiting ([`wait`]).

pub mod access;
pub mod exec;
pub mod proxy;
pub mod wait;
pub mod watch_store;

use std::time::Duration;

/// Why a call in this module failed, before a caller puts it in its own terms.
#[derive(Debug)]
pub enum CallError {
    /// No answer within the timeout.
    Timeout(Duration),
    /// The request could not be built (an invalid URL).
    Request(String),
    /// The API server or the transport refused it.
    Kube(kube::Error),
}

impl CallError {
    /// The server's message when RBAC refused the call: a 403 answer, or a refused exec
    /// upgrade (which carries no message, hence the empty text).
    pub fn forbidden_message(&self) -> Option<&str> {
        match self {
            CallError::Kube(kube::Error::Api(s)) if s.code == 403 => Some(&s.message),
            CallError::Kube(kube::Error::UpgradeConnection(
                kube::client::UpgradeConnectionError::ProtocolSwitch(code),
            )) if *code == http::StatusCode::FORBIDDEN => Some(""),
            _ => None,
        }
    }
}
