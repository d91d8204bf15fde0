//! Where the machine's CPU went during a measurement: every process's user + system time
//! from `/proc`, summed by command name (`sluice`, `postgres`, `sluice-bench`, `kworker`,
//! …), between two snapshots. Processes that end between them are not counted. Linux
//! only; elsewhere the split is empty.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// `/proc` counts CPU time in clock ticks of 1/100 s (`USER_HZ`, fixed at 100 on Linux).
const TICK_MS: u64 = 10;

pub struct Snapshot {
    at: Instant,
    /// pid → (command, ticks used so far).
    procs: HashMap<u32, (String, u64)>,
}

impl Snapshot {
    pub fn take() -> Snapshot {
        let mut procs = HashMap::new();
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for entry in dir.flatten() {
                let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
                if let Some(p) = read_stat(pid) {
                    procs.insert(pid, p);
                }
            }
        }
        Snapshot { at: Instant::now(), procs }
    }

    /// The CPU each command used since `self`, largest first, with the wall time between.
    pub fn since(&self) -> Split {
        let now = Snapshot::take();
        let mut by_command: HashMap<String, u64> = HashMap::new();
        for (pid, (command, ticks)) in &now.procs {
            // A kernel worker's name changes with the work it does: it is one process.
            let before = self.procs.get(pid).map_or(0, |(_, t)| *t);
            let name = command.split_once('/').map_or(command.as_str(), |(head, _)| head);
            *by_command.entry(name.to_string()).or_default() += ticks.saturating_sub(before);
        }
        let mut used: Vec<(String, Duration)> = by_command
            .into_iter()
            .filter(|(_, t)| *t > 0)
            .map(|(c, t)| (c, Duration::from_millis(t * TICK_MS)))
            .collect();
        used.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Split { wall: now.at - self.at, used }
    }
}

/// CPU time by command over a wall-clock interval.
pub struct Split {
    wall: Duration,
    used: Vec<(String, Duration)>,
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let total: Duration = self.used.iter().map(|(_, d)| *d).sum();
        let available = self.wall.as_secs_f64() * cores;
        write!(
            f,
            "CPU {:.2} s of {:.2} s available ({:.0} %):",
            total.as_secs_f64(),
            available,
            100.0 * total.as_secs_f64() / available.max(f64::EPSILON)
        )?;
        for (command, d) in self.used.iter().take(6) {
            write!(f, " {command} {:.2} s,", d.as_secs_f64())?;
        }
        let rest: Duration = self.used.iter().skip(6).map(|(_, d)| *d).sum();
        write!(f, " other {:.2} s", rest.as_secs_f64())
    }
}

/// (command, utime + stime) of a process, from `/proc/PID/stat`.
fn read_stat(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state …`: the command may hold spaces and parentheses; it ends at the
    // last `)`.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let command = stat.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = stat.get(close + 2..)?.split(' ').collect();
    // Fields 14 and 15 of the line (utime, stime) are 11 and 12 after the state.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((command, utime + stime))
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_is_found_with_its_command() {
        let (command, _) = super::read_stat(std::process::id()).expect("own stat");
        assert!(!command.is_empty());
    }
}
