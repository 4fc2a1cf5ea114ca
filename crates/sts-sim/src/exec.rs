//! Interim exec until the full module lands.
use crate::api_error::ApiError;
use crate::state::SharedState;
/// Exec parameters.
#[derive(Debug, Default)]
pub struct ExecParams {
    pub command: Vec<String>,
    pub container: Option<String>,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub tty: bool,
}
impl ExecParams {
    /// Parses.
    pub fn from_query(_q: &str) -> ExecParams {
        ExecParams::default()
    }
}
/// Exec.
pub async fn exec(
    _s: SharedState,
    _ns: String,
    _pod: String,
    _p: ExecParams,
    _ws: axum::extract::ws::WebSocketUpgrade,
) -> Result<axum::response::Response, ApiError> {
    Err(ApiError::bad_request("exec not available yet"))
}
