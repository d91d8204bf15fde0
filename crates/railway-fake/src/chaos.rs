//! Chaos mode: instead of faults queued one by one, a share of all requests (default 20 %)
//! is answered, at random, with one of the ways Railway fails in the wild. The draws come
//! from a seeded generator, so a failing soak prints its seed and can be run again with the
//! same sequence of decisions (the interleaving of concurrent clients still varies).
//!
//! Which fault a drawn request gets is decided here ([`ChaosState::draw`], pure but for the
//! generator); what each one answers is the transport's (`transport::answer`), the
//! same answers as the queued faults of `faults.rs`. Queued faults and the rate limiter come
//! first: chaos only answers requests nothing else did.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::faults::FaultKind;

/// One way a chaotic Railway answers (JSON names in camelCase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChaosKind {
    /// 429 with `Retry-After` ([`Chaos::retry_after_secs`]).
    RateLimited,
    /// 429 without `Retry-After`.
    Throttled,
    /// 500, 502 or 503 (one at random).
    ServerError,
    /// The request is executed, then the answer is held back for [`Chaos::slow_ms`]: beyond
    /// the client's timeout, the client gives up on a request that may have been applied.
    Timeout,
    /// Cloudflare's HTML 403 "Access denied".
    CloudflareBlock,
    /// The request is executed (a write is applied), the answer is a 502.
    FailAfterApply,
}

impl ChaosKind {
    /// Every kind, in a fixed order (the default set).
    pub const ALL: [ChaosKind; 6] = [
        ChaosKind::RateLimited,
        ChaosKind::Throttled,
        ChaosKind::ServerError,
        ChaosKind::Timeout,
        ChaosKind::CloudflareBlock,
        ChaosKind::FailAfterApply,
    ];

    /// The JSON name (also what request records carry, prefixed `chaos:`).
    pub fn name(self) -> &'static str {
        match self {
            ChaosKind::RateLimited => "rateLimited",
            ChaosKind::Throttled => "throttled",
            ChaosKind::ServerError => "serverError",
            ChaosKind::Timeout => "timeout",
            ChaosKind::CloudflareBlock => "cloudflareBlock",
            ChaosKind::FailAfterApply => "failAfterApply",
        }
    }
}

/// Chaos settings. JSON (`POST /__fake/chaos`):
/// `{"rate":0.2,"seed":42,"kinds":["rateLimited","timeout"],"retryAfterSecs":1,"slowMs":3000}`;
/// every key is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Chaos {
    /// Share of requests answered with a fault, from 0 to 1.
    pub rate: f64,
    /// Seed of the generator; the same seed draws the same sequence.
    pub seed: u64,
    /// The kinds drawn from (uniformly); empty means every kind.
    pub kinds: Vec<ChaosKind>,
    /// `Retry-After` of a [`ChaosKind::RateLimited`] answer, in seconds.
    pub retry_after_secs: u64,
    /// How long a [`ChaosKind::Timeout`] answer is held back, in milliseconds.
    pub slow_ms: u64,
}

impl Default for Chaos {
    fn default() -> Self {
        Self { rate: 0.2, seed: rand::random(), kinds: Vec::new(), retry_after_secs: 1, slow_ms: 3_000 }
    }
}

impl Chaos {
    /// The default chaos (20 %, every kind) with this seed.
    pub fn seeded(seed: u64) -> Self {
        Self { seed, ..Self::default() }
    }

    /// The same with another rate (clamped to 0..=1).
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate;
        self
    }

    /// Only these kinds.
    pub fn kinds(mut self, kinds: &[ChaosKind]) -> Self {
        self.kinds = kinds.to_vec();
        self
    }

    /// Timeouts hold the answer back this long (make it longer than the client's timeout).
    pub fn slow_ms(mut self, ms: u64) -> Self {
        self.slow_ms = ms;
        self
    }

    fn rate_clamped(&self) -> f64 {
        if self.rate.is_finite() { self.rate.clamp(0.0, 1.0) } else { 0.0 }
    }
}

/// What chaos did so far: its settings, the requests it saw and the faults it injected by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChaosReport {
    pub config: Chaos,
    /// Requests chaos drew for (those no queued fault or rate limit answered).
    pub requests: u64,
    /// Faults injected, by kind name.
    pub injected: BTreeMap<String, u64>,
}

impl ChaosReport {
    /// Faults injected, all kinds together.
    pub fn total(&self) -> u64 {
        self.injected.values().sum()
    }
}

/// A running chaos: the settings, the generator and the counts.
#[derive(Debug)]
pub(crate) struct ChaosState {
    config: Chaos,
    rng: StdRng,
    requests: u64,
    injected: BTreeMap<ChaosKind, u64>,
}

impl ChaosState {
    pub fn new(config: Chaos) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self { config, rng, requests: 0, injected: BTreeMap::new() }
    }

    /// Draws for one request: `None` (answered normally) or the fault that answers it.
    pub fn draw(&mut self) -> Option<(ChaosKind, FaultKind)> {
        self.requests += 1;
        if self.rng.random::<f64>() >= self.config.rate_clamped() {
            return None;
        }
        let kinds: &[ChaosKind] = if self.config.kinds.is_empty() { &ChaosKind::ALL } else { &self.config.kinds };
        let kind = kinds[self.rng.random_range(0..kinds.len())];
        let fault = match kind {
            ChaosKind::RateLimited => FaultKind::RateLimited { retry_after_secs: self.config.retry_after_secs },
            ChaosKind::Throttled => FaultKind::HttpStatus { status: 429, body: None },
            ChaosKind::ServerError => {
                FaultKind::HttpStatus { status: [500, 502, 503][self.rng.random_range(0..3)], body: None }
            }
            ChaosKind::Timeout => FaultKind::Slow { delay_ms: self.config.slow_ms },
            ChaosKind::CloudflareBlock => FaultKind::CloudflareBlock,
            ChaosKind::FailAfterApply => FaultKind::FailAfterApply { status: 502 },
        };
        *self.injected.entry(kind).or_default() += 1;
        Some((kind, fault))
    }

    pub fn report(&self) -> ChaosReport {
        ChaosReport {
            config: self.config.clone(),
            requests: self.requests,
            injected: self.injected.iter().map(|(k, n)| (k.name().to_owned(), *n)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(config: Chaos, n: usize) -> Vec<Option<ChaosKind>> {
        let mut state = ChaosState::new(config);
        (0..n).map(|_| state.draw().map(|(k, _)| k)).collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_sequence_and_another_seed_another() {
        assert_eq!(draws(Chaos::seeded(7), 200), draws(Chaos::seeded(7), 200));
        assert_ne!(draws(Chaos::seeded(7), 200), draws(Chaos::seeded(8), 200));
    }

    #[test]
    fn the_rate_is_the_share_of_requests_answered_with_a_fault() {
        for (rate, low, high) in [(0.0, 0, 0), (0.2, 1_700, 2_300), (1.0, 10_000, 10_000)] {
            let faults = draws(Chaos::seeded(1).rate(rate), 10_000).iter().flatten().count();
            assert!((low..=high).contains(&faults), "rate {rate}: {faults} faults in 10,000");
        }
    }

    #[test]
    fn every_kind_is_drawn_and_only_the_chosen_kinds() {
        let all = draws(Chaos::seeded(3).rate(1.0), 600);
        for kind in ChaosKind::ALL {
            assert!(all.contains(&Some(kind)), "{kind:?} never drawn");
        }
        let only = draws(Chaos::seeded(3).rate(1.0).kinds(&[ChaosKind::Timeout]), 50);
        assert!(only.iter().all(|k| *k == Some(ChaosKind::Timeout)));
    }

    #[test]
    fn answers_and_counts() {
        let mut state = ChaosState::new(Chaos::seeded(5).rate(1.0).slow_ms(900));
        let mut seen = BTreeMap::new();
        for _ in 0..300 {
            let (kind, fault) = state.draw().expect("rate 1");
            let ok = match (kind, &fault) {
                (ChaosKind::RateLimited, FaultKind::RateLimited { retry_after_secs: 1 }) => true,
                (ChaosKind::Throttled, FaultKind::HttpStatus { status: 429, .. }) => true,
                (ChaosKind::ServerError, FaultKind::HttpStatus { status, .. }) => [500, 502, 503].contains(status),
                (ChaosKind::Timeout, FaultKind::Slow { delay_ms: 900 }) => true,
                (ChaosKind::CloudflareBlock, FaultKind::CloudflareBlock) => true,
                (ChaosKind::FailAfterApply, FaultKind::FailAfterApply { status: 502 }) => true,
                _ => false,
            };
            assert!(ok, "{kind:?} answered {fault:?}");
            *seen.entry(kind.name().to_owned()).or_insert(0u64) += 1;
        }
        let report = state.report();
        assert_eq!((report.requests, report.total()), (300, 300));
        assert_eq!(report.injected, seen);
    }

    #[test]
    fn json_shape() {
        let chaos: Chaos = serde_json::from_str(r#"{"rate":0.5,"seed":9,"kinds":["throttled"]}"#).expect("parses");
        assert_eq!(chaos, Chaos::seeded(9).rate(0.5).kinds(&[ChaosKind::Throttled]));
    }
}
