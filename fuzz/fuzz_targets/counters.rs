//! What pods and kubelets return: counter files in every --format, timestamps, `df`, stats.
#![no_main]

use kube_sts::visits::parse::{line_time, parse, preview, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for format in [
        Format::Auto,
        Format::Count,
        Format::Lines,
        Format::Json("visits".into()),
    ] {
        let _ = parse(&text, &format);
    }
    if let Some((field, content)) = text.split_once('\n') {
        if let Ok(format) = field.parse::<Format>() {
            assert_eq!(format.to_string().parse::<Format>().as_ref(), Ok(&format));
            let _ = parse(content, &format);
        }
    }
    let _ = preview(&text);
    for line in text.lines() {
        let _ = line_time(line);
    }
    let _ = kube_sts::pvc::usage::parse_df(&text);
    let _ = kube_sts::pvc::usage::parse_summary(&text, "default");
});
