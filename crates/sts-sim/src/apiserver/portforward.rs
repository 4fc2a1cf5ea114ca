//! `pods/portforward` over WebSocket as kubectl 1.32 speaks it (KEP-4006): the WebSocket
//! (subprotocol `SPDY/3.1+portforward.k8s.io`) tunnels a SPDY/3.1 connection, in which the
//! client opens, per forwarded connection, an error stream and then a data stream. The data
//! stream's bytes are HTTP/1.1 requests to the port, answered by the simulated app.
//!
//! The client's header blocks (`streamType`, `port`, `requestID`) are zlib-compressed with the
//! SPDY/3 dictionary; flate2's raw inflater reads them after a stored block holding the
//! dictionary, which is what a preset dictionary amounts to. Flow control is not enforced.

use std::collections::HashMap;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::Value;

use crate::apiserver::errors::ApiError;
use crate::machinery::resources::PODS;
use crate::runtime::containers::{self, ContainerView};
use crate::state::{SharedState, State};

/// The tunnelling subprotocol kubectl offers.
pub const PROTOCOL: &str = "SPDY/3.1+portforward.k8s.io";

const SYN_STREAM: u16 = 1;
const SYN_REPLY: u16 = 2;
const RST_STREAM: u16 = 3;
const PING: u16 = 6;
const GOAWAY: u16 = 7;
const FLAG_FIN: u8 = 1;

/// One SPDY/3 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A control frame: type, flags, payload.
    Control(u16, u8, Vec<u8>),
    /// A data frame: stream id, flags, payload.
    Data(u32, u8, Vec<u8>),
}

/// Takes one complete frame off the front of `buf`, if there is one.
pub fn next_frame(buf: &mut Vec<u8>) -> Option<Frame> {
    if buf.len() < 8 {
        return None;
    }
    let len = (usize::from(buf[5]) << 16) | (usize::from(buf[6]) << 8) | usize::from(buf[7]);
    if buf.len() < 8 + len {
        return None;
    }
    let flags = buf[4];
    let payload = buf[8..8 + len].to_vec();
    let head = [buf[0], buf[1], buf[2], buf[3]];
    buf.drain(..8 + len);
    Some(if head[0] & 0x80 != 0 {
        Frame::Control(u16::from_be_bytes([head[2], head[3]]), flags, payload)
    } else {
        Frame::Data(u32::from_be_bytes(head) & 0x7fff_ffff, flags, payload)
    })
}

/// Encodes a frame.
pub fn encode(frame: &Frame) -> Vec<u8> {
    let (mut out, flags, payload) = match frame {
        Frame::Control(kind, flags, p) => {
            let mut h = vec![0x80, 3];
            h.extend_from_slice(&kind.to_be_bytes());
            (h, *flags, p)
        }
        Frame::Data(id, flags, p) => ((id & 0x7fff_ffff).to_be_bytes().to_vec(), *flags, p),
    };
    let len = u32::try_from(payload.len())
        .unwrap_or(0xff_ffff)
        .min(0xff_ffff);
    out.push(flags);
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(payload);
    out
}

/// Header names of the SPDY/3 zlib dictionary, each stored with a 4-byte length.
const DICT_WORDS: &[&str] = &[
    "options",
    "head",
    "post",
    "put",
    "delete",
    "trace",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "connection",
    "content-base",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
    "via",
    "warning",
    "www-authenticate",
    "method",
    "get",
    "status",
    "200 OK",
    "version",
    "HTTP/1.1",
    "url",
    "public",
    "set-cookie",
    "keep-alive",
    "origin",
];

/// The rest of the SPDY/3 dictionary, as is.
const DICT_TAIL: &str = concat!(
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505",
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request",
    "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented",
    "503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 ",
    "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,",
    "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=",
    "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.",
);

/// The SPDY/3 header compression dictionary (1423 bytes).
pub fn dictionary() -> Vec<u8> {
    let mut d = Vec::with_capacity(1423);
    for w in DICT_WORDS {
        d.extend_from_slice(&u32::try_from(w.len()).unwrap_or(0).to_be_bytes());
        d.extend_from_slice(w.as_bytes());
    }
    d.extend_from_slice(DICT_TAIL.as_bytes());
    d
}

/// Reads the client's header blocks: one zlib stream over the session, with the dictionary.
pub struct HeaderReader {
    inflate: flate2::Decompress,
    started: bool,
}

impl Default for HeaderReader {
    fn default() -> Self {
        HeaderReader {
            inflate: flate2::Decompress::new(false),
            started: false,
        }
    }
}

impl HeaderReader {
    fn inflate(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut input = input;
        while !input.is_empty() {
            out.reserve(4096);
            let before = self.inflate.total_in();
            self.inflate
                .decompress_vec(input, &mut out, flate2::FlushDecompress::Sync)
                .ok()?;
            let used = usize::try_from(self.inflate.total_in() - before).ok()?;
            if used == 0 && out.capacity() > out.len() {
                break;
            }
            input = &input[used..];
        }
        Some(out)
    }

    /// The name/value pairs of one header block; `None` when it cannot be read.
    pub fn read(&mut self, block: &[u8]) -> Option<Vec<(String, String)>> {
        let block = if self.started {
            block
        } else {
            // zlib header (2 bytes, FDICT set) and the dictionary's id (4 bytes).
            if block.len() < 6 || block[1] & 0x20 == 0 {
                return None;
            }
            let dict = dictionary();
            let len = u16::try_from(dict.len()).ok()?;
            let mut stored = vec![0u8];
            stored.extend_from_slice(&len.to_le_bytes());
            stored.extend_from_slice(&(!len).to_le_bytes());
            stored.extend_from_slice(&dict);
            let primed = self.inflate(&stored)?;
            if primed != dict {
                return None;
            }
            self.started = true;
            &block[6..]
        };
        parse_pairs(&self.inflate(block)?)
    }
}

/// Parses a decompressed SPDY/3 name/value block.
pub fn parse_pairs(b: &[u8]) -> Option<Vec<(String, String)>> {
    let mut at = 0usize;
    let take_u32 = |at: &mut usize| -> Option<usize> {
        let v = b.get(*at..*at + 4)?;
        *at += 4;
        usize::try_from(u32::from_be_bytes([v[0], v[1], v[2], v[3]])).ok()
    };
    let count = take_u32(&mut at)?;
    let mut pairs = Vec::new();
    for _ in 0..count.min(1024) {
        let n = take_u32(&mut at)?;
        let name = String::from_utf8_lossy(b.get(at..at.checked_add(n)?)?).into_owned();
        at += n;
        let n = take_u32(&mut at)?;
        let value = String::from_utf8_lossy(b.get(at..at.checked_add(n)?)?).into_owned();
        at += n;
        pairs.push((name.to_ascii_lowercase(), value));
    }
    Some(pairs)
}

/// The compressed header block of a SYN_REPLY: an empty name/value list, on the session's one
/// zlib stream (sync-flushed per frame, as SPDY requires).
struct HeaderWriter(flate2::Compress);

impl HeaderWriter {
    fn empty_block(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        let _ = self
            .0
            .compress_vec(&[0, 0, 0, 0], &mut out, flate2::FlushCompress::Sync);
        out
    }
}

/// Ports named by `?ports=` (WebSocket v4 clients); kubectl names them in stream headers.
pub fn query_ports(query: &str) -> Result<Vec<u16>, ApiError> {
    query
        .split('&')
        .filter_map(|p| p.strip_prefix("ports="))
        .flat_map(|v| v.split(','))
        .map(crate::apiserver::exec::url_decode)
        .map(|p| match p.parse::<u16>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "unable to parse \"{p}\" as a port: invalid port"
            ))),
        })
        .collect()
}

fn listener(state: &State, pod: &Value, port: u16) -> Option<ContainerView> {
    pod["spec"]["containers"]
        .as_array()?
        .iter()
        .filter_map(|c| c["name"].as_str())
        .filter(|name| crate::apiserver::proxy::listens(state, pod, name, port))
        .find_map(|name| ContainerView::new(state, pod, name))
}

/// Serves `GET .../pods/NAME/portforward?ports=P` with the WebSocket tunnel.
pub fn portforward(
    state: SharedState,
    ns: String,
    pod_name: String,
    query: &str,
    ws: Option<WebSocketUpgrade>,
) -> Result<Response, ApiError> {
    let pod = state
        .store
        .get(&PODS, &ns, &pod_name)
        .ok_or_else(|| ApiError::not_found(&PODS, &pod_name))?;
    if pod["status"]["phase"] != "Running" {
        return Err(ApiError::bad_request(format!(
            "pod {pod_name} is not running: phase {}",
            pod["status"]["phase"].as_str().unwrap_or("Pending")
        )));
    }
    query_ports(query)?;
    let Some(ws) = ws else {
        return Err(ApiError::bad_request(format!(
            "unable to upgrade connection: port-forward is served over WebSocket ({PROTOCOL}) only"
        )));
    };
    let ws = ws.protocols([PROTOCOL]);
    if ws.selected_protocol().is_none() {
        return Err(ApiError::bad_request(format!(
            "unable to upgrade connection: subprotocol {PROTOCOL} required"
        )));
    }
    Ok(ws.on_upgrade(move |socket| session(state, ns, pod_name, socket)))
}

/// One forwarded connection's data stream.
#[derive(Debug, Default)]
struct DataStream {
    port: u16,
    pending: Vec<u8>,
    closed: bool,
}

/// Takes one complete HTTP/1.1 request (head and `Content-Length` body) off `buf`.
pub fn next_request(buf: &mut Vec<u8>) -> Option<(String, String)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let body_len = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    if buf.len() < end.saturating_add(body_len) {
        return None;
    }
    buf.drain(..end + body_len);
    let mut words = head.lines().next().unwrap_or("").split_whitespace();
    let method = words.next().unwrap_or("GET").to_string();
    let path = words.next().unwrap_or("/").to_string();
    Some((method, path))
}

fn http_response(answer: &containers::HttpAnswer) -> Vec<u8> {
    let reason = match answer.status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        answer.status,
        answer.content_type,
        answer.body.len()
    )
    .into_bytes();
    out.extend_from_slice(&answer.body);
    out
}

fn refused(pod_name: &str, uid: &str, port: u16) -> String {
    format!(
        "error forwarding port {port} to pod {pod_name}, uid {uid}: failed to connect to localhost:{port} inside namespace: dial tcp4 127.0.0.1:{port}: connect: connection refused"
    )
}

async fn session(state: SharedState, ns: String, pod_name: String, mut socket: WebSocket) {
    let mut buf = Vec::new();
    let mut reply_headers =
        HeaderWriter(flate2::Compress::new(flate2::Compression::default(), true));
    let mut request_headers = HeaderReader::default();
    let mut data: HashMap<u32, DataStream> = HashMap::new();
    // requestID -> error stream, to report a refused connection on.
    let mut errors: HashMap<String, u32> = HashMap::new();
    while let Some(Ok(msg)) = socket.recv().await {
        match crate::apiserver::exec::binary_payload(msg) {
            Message::Binary(b) => buf.extend_from_slice(&b),
            Message::Close(_) => return,
            _ => continue,
        }
        while let Some(frame) = next_frame(&mut buf) {
            let mut replies = Vec::new();
            match frame {
                Frame::Control(SYN_STREAM, _, p) if p.len() >= 10 => {
                    let id = u32::from_be_bytes([p[0], p[1], p[2], p[3]]) & 0x7fff_ffff;
                    let Some(headers) = request_headers.read(&p[10..]) else {
                        // Unreadable headers: the session cannot go on.
                        return;
                    };
                    let get = |k: &str| {
                        headers
                            .iter()
                            .find(|(n, _)| n == k)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    };
                    let mut reply = id.to_be_bytes().to_vec();
                    reply.extend(reply_headers.empty_block());
                    replies.push(Frame::Control(SYN_REPLY, 0, reply));
                    let port = get("port").parse::<u16>().unwrap_or(0);
                    match get("streamtype").as_str() {
                        "data" => {
                            let pod = state.store.get(&PODS, &ns, &pod_name);
                            let listening = pod
                                .as_ref()
                                .and_then(|p| listener(&state, p, port))
                                .is_some();
                            if listening {
                                data.insert(
                                    id,
                                    DataStream {
                                        port,
                                        ..DataStream::default()
                                    },
                                );
                            } else {
                                let uid = pod
                                    .as_ref()
                                    .and_then(|p| p["metadata"]["uid"].as_str().map(str::to_string))
                                    .unwrap_or_default();
                                if let Some(err_id) = errors.remove(&get("requestid")) {
                                    replies.push(Frame::Data(
                                        err_id,
                                        FLAG_FIN,
                                        refused(&pod_name, &uid, port).into_bytes(),
                                    ));
                                }
                                replies.push(Frame::Data(id, FLAG_FIN, Vec::new()));
                            }
                        }
                        _ => {
                            errors.insert(get("requestid"), id);
                        }
                    }
                }
                Frame::Control(PING, _, p) => replies.push(Frame::Control(PING, 0, p)),
                Frame::Control(GOAWAY, _, _) => return,
                Frame::Control(RST_STREAM, _, p) if p.len() >= 4 => {
                    let id = u32::from_be_bytes([p[0], p[1], p[2], p[3]]) & 0x7fff_ffff;
                    data.remove(&id);
                }
                Frame::Control(..) => {}
                Frame::Data(id, flags, payload) => {
                    let Some(stream) = data.get_mut(&id) else {
                        continue;
                    };
                    stream.pending.extend_from_slice(&payload);
                    while let Some((method, path)) = next_request(&mut stream.pending) {
                        let answer = state
                            .store
                            .get(&PODS, &ns, &pod_name)
                            .and_then(|pod| listener(&state, &pod, stream.port))
                            .map(|v| containers::serve_http(&state, &v, &method, &path));
                        match answer {
                            Some(a) => replies.push(Frame::Data(id, 0, http_response(&a))),
                            None => {
                                replies.push(Frame::Data(id, FLAG_FIN, Vec::new()));
                                stream.closed = true;
                                break;
                            }
                        }
                    }
                    if flags & FLAG_FIN != 0 {
                        if !stream.closed {
                            replies.push(Frame::Data(id, FLAG_FIN, Vec::new()));
                        }
                        data.remove(&id);
                    }
                }
            }
            for r in replies {
                if socket.send(Message::binary(encode(&r))).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_dictionary_is_spdy3s() {
        let d = dictionary();
        assert_eq!(d.len(), 1423);
        assert_eq!(&d[..11], b"\0\0\0\x07options");
        assert!(d.ends_with(b",enq=0."));
    }

    #[test]
    fn frames_round_trip_and_wait_for_their_bytes() {
        let frames = [
            Frame::Control(SYN_REPLY, 0, vec![0, 0, 0, 1, 9, 9]),
            Frame::Data(3, FLAG_FIN, b"GET / HTTP/1.1\r\n\r\n".to_vec()),
            Frame::Control(PING, 0, vec![0, 0, 0, 7]),
        ];
        let mut wire: Vec<u8> = frames.iter().flat_map(encode).collect();
        assert_eq!(&wire[..4], [0x80, 3, 0, 2]);
        let mut partial = wire[..5].to_vec();
        assert_eq!(next_frame(&mut partial), None);
        for f in &frames {
            assert_eq!(next_frame(&mut wire).as_ref(), Some(f));
        }
        assert!(wire.is_empty());
    }

    #[test]
    fn header_blocks_and_http_requests_parse() {
        let mut block = 2u32.to_be_bytes().to_vec();
        for (k, v) in [("streamType", "data"), ("port", "8080")] {
            block.extend_from_slice(&(k.len() as u32).to_be_bytes());
            block.extend_from_slice(k.as_bytes());
            block.extend_from_slice(&(v.len() as u32).to_be_bytes());
            block.extend_from_slice(v.as_bytes());
        }
        assert_eq!(
            parse_pairs(&block).unwrap(),
            vec![
                ("streamtype".into(), "data".into()),
                ("port".into(), "8080".into())
            ]
        );
        assert_eq!(parse_pairs(&block[..block.len() - 1]), None);
        let mut http = b"GET /visits HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab".to_vec();
        assert_eq!(
            next_request(&mut http),
            Some(("GET".into(), "/visits".into()))
        );
        assert_eq!(next_request(&mut http), None);
        http.push(b'c');
        assert_eq!(next_request(&mut http), Some(("POST".into(), "/".into())));
        assert!(http.is_empty());
        assert_eq!(query_ports("ports=8080,9090").unwrap(), vec![8080, 9090]);
        assert_eq!(query_ports("").unwrap(), Vec::<u16>::new());
        assert_eq!(query_ports("ports=http").unwrap_err().code, 400);
    }

    #[test]
    fn garbage_header_blocks_are_refused() {
        let mut r = HeaderReader::default();
        assert_eq!(r.read(b"\x78\x9c\x01\x02"), None);
        assert_eq!(r.read(b"\x78\xbb\xe3\xc6\xa7\xc2\xff\xff\xff"), None);
    }

    proptest! {
        #[test]
        fn any_bytes_from_the_tunnel_are_handled(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut buf = data.clone();
            while next_frame(&mut buf).is_some() {}
            let _ = parse_pairs(&data);
            let mut http = data.clone();
            while next_request(&mut http).is_some() {}
            let mut r = HeaderReader::default();
            let mut block = vec![0x78, 0xbb, 0xe3, 0xc6, 0xa7, 0xc2];
            block.extend_from_slice(&data);
            let _ = r.read(&block);
        }
    }
}
