//! What runs on the simulated nodes: volumes ([`fs`]), containers chosen by image
//! ([`containers`]) and kube-proxy (node ports and how a Service spreads requests).

pub mod containers;
pub mod fs;
pub mod nodeports;
pub mod spread;
