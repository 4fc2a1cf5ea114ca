//! The field tables of `authentication.k8s.io/v1` SelfSubjectReview (`kubectl auth whoami`),
//! written by hand: `tools/gen_protobuf_json.py` does not cover this module. `UserInfo.extra`
//! is left out: the simulator's users carry no extra attributes.

use crate::apiserver::protobuf::{pb_json, PbJson};

pb_json!(k8s_pb::api::authentication::v1::SelfSubjectReview {
    metadata: "metadata",
    status: "status"
});
pb_json!(k8s_pb::api::authentication::v1::SelfSubjectReviewStatus {
    user_info: "userInfo"
});
pb_json!(k8s_pb::api::authentication::v1::UserInfo {
    username: "username",
    uid: "uid",
    groups: "groups"
});
