//! # Where sts-sim differs from a real cluster
//!
//! What a user of `kubectl` or a client library would notice. Each area lists what is not
//! simulated; everything else in it follows upstream (see the modules named).
//!
//! ## OpenAPI and field validation ([`crate::apiserver::openapi`])
//! - Only `/openapi/v3` is served (no `/openapi/v2`, no protobuf OpenAPI); schemas cover the
//!   kinds in [`crate::apiserver::openapi::kinds::KINDS`], generated from k8s-openapi's types, so the
//!   field descriptions are k8s-openapi's version's, and `x-kubernetes-*` list and patch
//!   extensions are the ones in [`crate::apiserver::openapi::extensions`].
//! - `fieldValidation` finds unknown fields only; duplicate fields in a JSON body are not
//!   reported, and JSON patches and protobuf bodies are not checked.
//!
//! ## Containers and exec ([`crate::runtime::containers`], [`crate::apiserver::exec`], [`crate::apiserver::exec_stream`])
//! - Commands are simulated applets, not processes; a command that is not an interactive
//!   shell or a bare `cat` reads all of its stdin before it runs, so it cannot answer input
//!   as it arrives. In an interactive shell each line runs on its own (`cd` and variables do
//!   not carry over).
//! - Directories exist only as the parents of files: `mkdir` of an empty directory, file
//!   modes, owners and modification times are not kept, and `tar` stores regular files and
//!   directories only (links and devices in an archive are skipped).
//! - `attach` (`kubectl attach`, `kubectl run -it`, `kubectl debug -it`) is not served.
//! - `port-forward` ([`crate::apiserver::portforward`]) speaks only the WebSocket tunnel of kubectl 1.31+
//!   (not the older SPDY upgrade), carries HTTP/1.1 requests to the simulated app (no other
//!   protocols), and does no SPDY flow control.
//!
//! ## Logs ([`crate::apiserver::logs`])
//! - Apps log what the simulation knows of them: the visits app its start-up and each
//!   request but the kubelet's `/healthz` probes, the crash image a fatal line; other images
//!   log nothing.
//! - Logs live in memory and are not rotated; `limitBytes` cuts the text already selected.
