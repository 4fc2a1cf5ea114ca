//! Duration flags and quantities: kube-sts's parsers, sts-sim's, and their agreement.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(d) = kube_sts::k8s::duration::parse(&text) {
        assert!(d <= kube_sts::k8s::duration::MAX_DURATION);
        let printed = kube_sts::k8s::duration::format(d);
        assert_eq!(
            kube_sts::k8s::duration::parse(&printed),
            Ok(d),
            "{text:?} -> {printed:?}"
        );
    }
    let ours = kube_sts::k8s::quantity::parse_bytes(&text);
    let _ = sts_sim::machinery::quantity::canonical_quantity(&text);
    let sim = sts_sim::machinery::quantity::parse_quantity(&text);
    if let Ok(bytes) = ours {
        assert!(bytes <= kube_sts::k8s::quantity::MAX_BYTES);
        let trimmed = text.trim();
        if trimmed.len() == text.len() {
            assert_eq!(sim, Ok(u128::from(bytes)), "{text:?}");
        }
    }
});
