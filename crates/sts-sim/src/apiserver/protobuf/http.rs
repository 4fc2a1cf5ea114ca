//! Protobuf at the HTTP edge: request bodies in `application/vnd.kubernetes.protobuf`
//! become JSON before routing, and complete JSON answers become protobuf for clients whose
//! `Accept` lists it first (streams, tables and kinds without a protobuf form stay JSON).

use axum::body::HttpBody as _;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use crate::apiserver::errors::ApiError;
use crate::apiserver::protobuf;

/// Turns a protobuf request body into JSON (and its `Content-Type` with it); other bodies
/// pass unchanged. A malformed body is a 400 that names the problem.
pub fn request_to_json(
    mut headers: HeaderMap,
    body: Bytes,
) -> Result<(HeaderMap, Bytes), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !protobuf::is_protobuf(content_type) {
        return Ok((headers, body));
    }
    let obj = protobuf::decode(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body of the request could not be decoded as protobuf: {e}"
        ))
    })?;
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok((headers, Bytes::from(obj.to_string())))
}

/// Re-encodes a complete, successful JSON answer as protobuf when its kind has a protobuf form.
pub async fn response_to_protobuf(resp: Response) -> Response {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        == Some("application/json");
    let complete = resp.body().size_hint().exact().is_some();
    if !resp.status().is_success() || !is_json || !complete {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let encoded = serde_json::from_slice(&bytes)
        .ok()
        .and_then(|v| protobuf::encode(&v));
    match encoded {
        Some(pb) => {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(protobuf::MEDIA_TYPE),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(pb))
        }
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}
