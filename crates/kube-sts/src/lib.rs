//! kube-sts: everything the three `kubectl sts-*` plugins share.
