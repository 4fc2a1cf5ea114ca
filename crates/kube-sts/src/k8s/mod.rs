//! Facts about Kubernetes objects, pure and without I/O: StatefulSet identity (names and
//! ordinals), owner references, pod status words, quantities, ages and durations.

pub mod age;
pub mod duration;
pub mod identity;
pub mod owners;
pub mod pods;
pub mod ports;
pub mod quantity;
pub mod selectors;
