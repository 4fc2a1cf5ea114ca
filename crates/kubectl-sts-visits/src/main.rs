//! `kubectl sts-visits`: thin entry point; the work lives in `kube_sts`.

fn main() {
    println!("kubectl sts-visits {}", env!("CARGO_PKG_VERSION"));
}
