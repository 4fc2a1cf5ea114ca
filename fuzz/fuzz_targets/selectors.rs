//! Label and field selectors as the simulator reads them (query strings and selector objects).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts_sim::machinery::selectors::{FieldSelector, LabelSelector};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(selector) = LabelSelector::parse(&text) {
        let printed = selector.to_string();
        assert!(
            LabelSelector::parse(&printed).is_ok(),
            "{text:?} printed as {printed:?}"
        );
    }
    if let Ok(selector) = FieldSelector::parse(&text) {
        let _ = selector.validate_for("pods");
        let printed = selector.to_string();
        assert!(
            FieldSelector::parse(&printed).is_ok(),
            "{text:?} printed as {printed:?}"
        );
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = LabelSelector::from_match(&value);
    }
});
