//! The rollout annotation (anyone with `patch` writes it), the rollout flags and `--http`.
#![no_main]

use k8s_openapi::api::apps::v1::StatefulSet;
use kube_sts::rollout::model::StrategyKind;
use kube_sts::rollout::patch::{parse_env, parse_image};
use kube_sts::rollout::plan::{parse_http_check, parse_steps, resolve_steps};
use kube_sts::rollout::state::{RolloutState, STATE_ANNOTATION};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut sts = StatefulSet::default();
    sts.metadata.annotations = Some([(STATE_ANNOTATION.to_string(), text.to_string())].into());
    if let Ok(Some(state)) = RolloutState::of(&sts) {
        let _ = state.remaining();
        let _ = state.target();
        let _ = state.encode();
    }
    if let Ok(specs) = parse_steps(&text) {
        for replicas in [0, 1, 3, 100, i32::MAX, -1] {
            for strategy in [StrategyKind::RollingUpdate, StrategyKind::OnDelete] {
                let _ = resolve_steps(&specs, replicas, strategy);
            }
        }
    }
    if let Ok(check) = parse_http_check(&text) {
        assert_eq!(parse_http_check(&check.to_string()).ok(), Some(check));
    }
    if let Ok(source) = text.parse::<kube_sts::visits::source::HttpSource>() {
        assert_eq!(source.to_string().parse().as_ref(), Ok(&source));
    }
    let _ = parse_image(&text);
    let _ = parse_env(&text);
});
