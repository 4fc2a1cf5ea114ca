//! Label and field selectors for list and watch requests.
//!
//! [`LabelSelector`] parses the `labelSelector` query parameter with the same
//! grammar, validation and error wording as upstream
//! `k8s.io/apimachinery/pkg/labels` (`unable to parse requirement: ...`), and
//! can also be built from a `metav1.LabelSelector` object (`matchLabels` /
//! `matchExpressions`) as found in workload specs. [`FieldSelector`] parses the
//! `fieldSelector` parameter like `k8s.io/apimachinery/pkg/fields` and
//! evaluates it against an untyped object by dotted path; [`supported`] and
//! [`unsupported_field_error`] reproduce the per-resource field label
//! whitelist of the real API server. Error strings are meant to be returned
//! verbatim as the message of a `400 BadRequest` status.

mod fields;
mod label_syntax;
mod labels;
#[cfg(test)]
mod tests;

pub use fields::{
    field_value, supported, unsupported_field_error, FieldRequirement, FieldSelector,
};
pub use labels::{selector_matches, set_matches, LabelSelector, Operator, Requirement};
