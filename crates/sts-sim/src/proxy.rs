//! Interim proxy until the full module lands.
use crate::api_error::ApiError;
use crate::state::SharedState;
use axum::response::Response;
/// Pod proxy.
pub async fn proxy_pod(
    _s: &SharedState,
    _ns: &str,
    _n: &str,
    _r: &str,
    _m: &http::Method,
    _q: Option<&str>,
) -> Result<Response, ApiError> {
    Err(ApiError::bad_request("proxy not available yet"))
}
/// Service proxy.
pub async fn proxy_service(
    _s: &SharedState,
    _ns: &str,
    _n: &str,
    _r: &str,
    _m: &http::Method,
    _q: Option<&str>,
) -> Result<Response, ApiError> {
    Err(ApiError::bad_request("proxy not available yet"))
}
/// Node proxy.
pub async fn proxy_node(
    _s: &SharedState,
    _n: &str,
    _r: &str,
    _m: &http::Method,
    _q: Option<&str>,
) -> Result<Response, ApiError> {
    Err(ApiError::bad_request("proxy not available yet"))
}
