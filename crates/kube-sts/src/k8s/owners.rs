//! Owner references: the one rule for "this object belongs to that StatefulSet". An object
//! belongs to an owner when it has a *controller* owner reference whose UID is the owner's UID
//! (a name alone is not enough: a StatefulSet deleted and re-created under the same name is a
//! different owner, and non-controller references do not adopt).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The UID of the object's controller, if it has one.
pub fn controller_uid(meta: &ObjectMeta) -> Option<&str> {
    meta.owner_references
        .as_ref()?
        .iter()
        .find(|r| r.controller == Some(true))
        .map(|r| r.uid.as_str())
}

/// Whether the object's controller is the owner with this UID (an empty UID never matches).
pub fn is_controlled_by(meta: &ObjectMeta, owner_uid: &str) -> bool {
    !owner_uid.is_empty() && controller_uid(meta) == Some(owner_uid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    fn meta(refs: &[(&str, Option<bool>)]) -> ObjectMeta {
        ObjectMeta {
            owner_references: Some(
                refs.iter()
                    .map(|(uid, controller)| OwnerReference {
                        api_version: "apps/v1".into(),
                        kind: "StatefulSet".into(),
                        name: "web".into(),
                        uid: (*uid).into(),
                        controller: *controller,
                        block_owner_deletion: None,
                    })
                    .collect(),
            ),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn only_a_controller_reference_with_the_same_uid_counts() {
        assert!(is_controlled_by(&meta(&[("u1", Some(true))]), "u1"));
        assert!(!is_controlled_by(&meta(&[("u1", Some(true))]), "u2"));
        assert!(!is_controlled_by(&meta(&[("u1", None)]), "u1"));
        assert!(!is_controlled_by(&meta(&[("u1", Some(false))]), "u1"));
        assert!(is_controlled_by(
            &meta(&[("u0", None), ("u1", Some(true))]),
            "u1"
        ));
        assert!(!is_controlled_by(&ObjectMeta::default(), "u1"));
        assert!(!is_controlled_by(&meta(&[("", Some(true))]), ""));
    }
}
