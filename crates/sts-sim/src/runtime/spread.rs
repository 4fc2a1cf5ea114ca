//! How a Service spreads requests over its Ready endpoints: at random, one pick per request,
//! as kube-proxy does (iptables' `statistic --mode random`, IPVS and nftables alike), so
//! counts come out uneven, as on a real cluster. Seedable for deterministic tests.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The random endpoint choice of one cluster.
pub struct EndpointPicker {
    rng: Mutex<StdRng>,
}

impl std::fmt::Debug for EndpointPicker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointPicker").finish_non_exhaustive()
    }
}

impl EndpointPicker {
    /// A picker seeded with `seed`, or from the OS when `None`.
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_os_rng(),
        };
        EndpointPicker {
            rng: Mutex::new(rng),
        }
    }

    /// An index in `0..len`, uniformly at random; `None` when there is nothing to pick.
    pub fn pick(&self, len: usize) -> Option<usize> {
        if len == 0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        Some(rng.random_range(0..len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(picker: &EndpointPicker, len: usize, n: usize) -> Vec<usize> {
        let mut counts = vec![0; len];
        for _ in 0..n {
            counts[picker.pick(len).unwrap()] += 1;
        }
        counts
    }

    #[test]
    fn picks_every_endpoint_unevenly_and_repeats_with_a_seed() {
        let picker = EndpointPicker::new(Some(42));
        let c = counts(&picker, 3, 300);
        assert!(c.iter().all(|&n| n > 50), "every endpoint is hit: {c:?}");
        assert!(
            c.iter().any(|&n| n != c[0]),
            "random, not round-robin: {c:?}"
        );
        assert_eq!(c.iter().sum::<usize>(), 300);
        let again = counts(&EndpointPicker::new(Some(42)), 3, 300);
        assert_eq!(c, again, "the same seed gives the same picks");
        let other = counts(&EndpointPicker::new(Some(7)), 3, 300);
        assert_ne!(c, other, "another seed, other picks");
    }

    #[test]
    fn consecutive_requests_may_land_on_the_same_endpoint() {
        // Round-robin never sends two requests in a row to one of several endpoints.
        let picker = EndpointPicker::new(None);
        let picks: Vec<usize> = (0..200).map(|_| picker.pick(3).unwrap()).collect();
        assert!(picks.windows(2).any(|w| w[0] == w[1]), "{picks:?}");
    }

    #[test]
    fn nothing_to_pick_from() {
        let picker = EndpointPicker::new(Some(1));
        assert_eq!(picker.pick(0), None);
        assert_eq!(picker.pick(1), Some(0));
    }
}
