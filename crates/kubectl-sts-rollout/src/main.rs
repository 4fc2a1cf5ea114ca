//! `kubectl sts-rollout`: thin entry point; the work lives in `kube_sts`.

fn main() {
    println!("kubectl sts-rollout {}", env!("CARGO_PKG_VERSION"));
}
