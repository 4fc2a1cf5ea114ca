//! The only users of `kube::Api` outside the constant-cost reads of [`crate::read`]: waiting on
//! watches, and (as they move here) exec, proxy requests and guarded patches.

pub mod wait;
