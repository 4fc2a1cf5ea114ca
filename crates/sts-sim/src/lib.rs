//! sts-sim: a simulated Kubernetes cluster.
