//! Tells the end-to-end tests whether they are built for a real cluster: with
//! `STS_E2E_KUBECONFIG` set, cfg `sts_e2e_real_cluster` is on and every test that needs
//! sts-sim is `#[ignore]`d, so libtest counts it as skipped and prints why.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(sts_e2e_real_cluster)");
    println!("cargo::rerun-if-env-changed=STS_E2E_KUBECONFIG");
    if std::env::var_os("STS_E2E_KUBECONFIG").is_some() {
        println!("cargo::rustc-cfg=sts_e2e_real_cluster");
    }
}
