//! `kubectl sts-pvc`: thin entry point; the work lives in `kube_sts`.

fn main() {
    println!("kubectl sts-pvc {}", env!("CARGO_PKG_VERSION"));
}
