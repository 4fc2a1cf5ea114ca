//! The three plugins and the file names each one is known by.

/// One kubectl plugin of the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plugin {
    /// The krew name and what users type after `kubectl`: `sts-visits`.
    pub name: &'static str,
}

/// Every plugin, in the order the README presents them.
pub const PLUGINS: [Plugin; 3] = [
    Plugin { name: "sts-visits" },
    Plugin {
        name: "sts-rollout",
    },
    Plugin { name: "sts-pvc" },
];

impl Plugin {
    /// The binary cargo builds: `kubectl-sts-visits` (answers `kubectl sts visits`).
    pub fn binary(&self) -> String {
        format!("kubectl-{}", self.name)
    }

    /// The binary's file name on this host (`.exe` on Windows).
    pub fn binary_file(&self) -> String {
        format!("{}{}", self.binary(), std::env::consts::EXE_SUFFIX)
    }

    /// The binary's file name on `os` as krew names it (`windows`: `.exe`).
    pub fn binary_file_for(&self, os: &str) -> String {
        let exe = if os == "windows" { ".exe" } else { "" };
        format!("{}{exe}", self.binary())
    }

    /// The name kubectl looks for on `kubectl sts-visits` (and krew links):
    /// `kubectl-sts_visits`.
    pub fn link(&self) -> String {
        format!("kubectl-{}", self.name.replace('-', "_"))
    }

    /// The name kubectl runs to complete `kubectl sts-visits ...`:
    /// `kubectl_complete-sts_visits`.
    pub fn shim(&self) -> String {
        format!("kubectl_complete-{}", self.name.replace('-', "_"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kubectl_lookup() {
        let p = PLUGINS[0];
        assert_eq!(p.binary(), "kubectl-sts-visits");
        assert_eq!(p.link(), "kubectl-sts_visits");
        assert_eq!(p.shim(), "kubectl_complete-sts_visits");
    }
}
