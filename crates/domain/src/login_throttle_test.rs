use super::*;

const S: i64 = 1000;
const MIN: i64 = 60 * S;

/// 5 free failures, waits of 1 s doubling up to 60 s, a 15-minute lock at the 10th failure
/// (doubling up to 4 hours), history forgotten after 15 quiet minutes.
const POLICY: ThrottlePolicy = ThrottlePolicy {
    free_failures: 5,
    lock_after: 10,
    base_delay_ms: S,
    max_delay_ms: 60 * S,
    lock_ms: 15 * MIN,
    max_lock_ms: 240 * MIN,
    window_ms: 15 * MIN,
};

const T0: i64 = 1_800_000_000_000;

fn history(failures: u32, last_failure_at: i64, locked_until: i64, locks: u32) -> Attempts {
    Attempts { failures, last_failure_at, locked_until, locks }
}

#[test]
fn verdicts_follow_the_history_and_the_clock() {
    use Verdict::*;
    let cases: &[(&str, Attempts, i64, Verdict)] = &[
        ("no history", Attempts::default(), T0, Allow),
        ("four failures are free", history(4, T0, 0, 0), T0, Allow),
        ("the fifth failure asks for 1 s", history(5, T0, 0, 0), T0, Wait { until: T0 + S }),
        ("and that second passes", history(5, T0, 0, 0), T0 + S, Allow),
        ("the sixth asks for 2 s", history(6, T0, 0, 0), T0 + S, Wait { until: T0 + 2 * S }),
        ("the ninth asks for 16 s", history(9, T0, 0, 0), T0, Wait { until: T0 + 16 * S }),
        ("locked", history(10, T0, T0 + 15 * MIN, 1), T0 + 14 * MIN, Locked { until: T0 + 15 * MIN }),
        (
            "the right password is no way past a lock",
            history(10, T0, T0 + 15 * MIN, 1),
            T0,
            Locked { until: T0 + 15 * MIN },
        ),
        ("a lock that ended allows one attempt", history(10, T0, T0 + 15 * MIN, 1), T0 + 15 * MIN, Allow),
        ("quiet for the window forgets", history(9, T0, 0, 0), T0 + 15 * MIN, Allow),
        ("just inside the window remembers", history(7, T0, 0, 0), T0 + 3 * S, Wait { until: T0 + 4 * S }),
    ];
    for (name, attempts, now, want) in cases {
        assert_eq!(POLICY.verdict(*attempts, *now), *want, "{name}");
    }
}

#[test]
fn failures_count_up_to_a_lock_that_grows_on_repeats() {
    let cases: &[(&str, Attempts, i64, Attempts, Option<i64>)] = &[
        ("first failure", Attempts::default(), T0, history(1, T0, 0, 0), None),
        ("ninth: no lock yet", history(8, T0, 0, 0), T0 + S, history(9, T0 + S, 0, 0), None),
        (
            "tenth: 15-minute lock",
            history(9, T0, 0, 0),
            T0 + 20 * S,
            history(10, T0 + 20 * S, T0 + 20 * S + 15 * MIN, 1),
            Some(T0 + 20 * S + 15 * MIN),
        ),
        (
            "failing after the lock locks for 30 minutes",
            history(10, T0, T0 + 15 * MIN, 1),
            T0 + 15 * MIN,
            history(11, T0 + 15 * MIN, T0 + 45 * MIN, 2),
            Some(T0 + 45 * MIN),
        ),
        (
            "the lock is capped at 4 hours",
            history(30, T0, T0, 9),
            T0,
            history(31, T0, T0 + 240 * MIN, 10),
            Some(T0 + 240 * MIN),
        ),
        ("an old history starts over", history(9, T0, T0, 3), T0 + 16 * MIN, history(1, T0 + 16 * MIN, 0, 0), None),
    ];
    for (name, before, now, after, lock) in cases {
        assert_eq!(POLICY.after_failure(*before, *now), (*after, *lock), "{name}");
    }
}

#[test]
fn waits_double_and_stop_at_the_cap_and_the_lock() {
    let wide = ThrottlePolicy { lock_after: 50, ..POLICY };
    let waits: Vec<i64> = (0..=12).map(|f| wide.delay_after(f) / S).collect();
    assert_eq!(waits, [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]);
    assert_eq!(POLICY.delay_after(10), 0, "past the threshold, the lock is the penalty");
    assert_eq!(POLICY.delay_after(u32::MAX), 0);
    assert_eq!(wide.delay_after(49), 60 * S, "no overflow on long histories");
}

#[test]
fn a_policy_with_no_lock_threshold_never_throttles() {
    let off = ThrottlePolicy { lock_after: 0, ..POLICY };
    let (after, lock) = off.after_failure(history(100, T0, 0, 0), T0);
    assert_eq!((after, lock), (history(100, T0, 0, 0), None));
    assert_eq!(off.verdict(history(100, T0, T0 + MIN, 3), T0), Verdict::Allow);
}

#[test]
fn a_history_expires_a_window_after_its_last_failure_or_lock() {
    assert_eq!(POLICY.expires_at(&history(3, T0, 0, 0)), T0 + 15 * MIN);
    assert_eq!(POLICY.expires_at(&history(10, T0, T0 + 30 * MIN, 2)), T0 + 45 * MIN);
}

#[test]
fn waits_read_as_words_rounded_up() {
    for (ms, words) in [
        (0, "1 second"),
        (1, "1 second"),
        (1_001, "2 seconds"),
        (59 * S, "59 seconds"),
        (60 * S, "1 minute"),
        (13 * MIN + 1, "14 minutes"),
        (15 * MIN, "15 minutes"),
        (119 * MIN, "119 minutes"),
        (2 * 60 * MIN, "2 hours"),
        (3 * 60 * MIN + 1, "4 hours"),
    ] {
        assert_eq!(wait_in_words(ms), words, "{ms} ms");
    }
}
