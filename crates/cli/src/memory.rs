//! The memory settings of the server process: glibc's allocator tuned before the first
//! allocation, so an idle server gives memory back.
//!
//! glibc raises its mmap threshold each time a large block it mapped is freed, up to
//! 32 MiB. One Argon2id hash (19 MiB, at every password login and when `--dev` creates its
//! admin) is such a block: afterwards every freed block up to that size stays in the heap,
//! and an idle server that had hashed one password held about 20 MiB more than one that
//! had not (docs/benchmarks.md). A fixed threshold turns the adjustment off, and two
//! arenas instead of eight per core stop a busy hour's fragments from being kept in each.
//!
//! glibc reads these settings (tunables) from the environment once, at process start, so
//! `sluice server` starts itself again with them set: the same process (`exec`, the PID
//! stays), before anything else ran. An operator who sets `GLIBC_TUNABLES` keeps theirs.

use std::ffi::OsString;

/// The tunables the server runs with: blocks of 128 KiB and more are mapped and returned
/// to the system when freed; two malloc arenas.
const TUNABLES: &str = "glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2";

/// Set in the restarted process, so it does not restart again.
const MARK: &str = "SLUICE_MALLOC_TUNED";

/// What to do about the allocator's settings at start: a pure decision, table-tested.
#[derive(Debug, PartialEq, Eq)]
enum Start {
    /// Go on as started.
    AsIs,
    /// Start again with `GLIBC_TUNABLES` set to this.
    Again(String),
}

fn decide(is_server: bool, tunables: Option<&str>, already: bool) -> Start {
    match (is_server, tunables, already) {
        (false, _, _) | (_, _, true) => Start::AsIs,
        // The operator's own tunables win, malloc ones included.
        (true, Some(t), false) if t.contains("glibc.malloc.") => Start::AsIs,
        (true, Some(t), false) if !t.is_empty() => Start::Again(format!("{t}:{TUNABLES}")),
        (true, _, false) => Start::Again(TUNABLES.to_string()),
    }
}

/// For `sluice server` on glibc: replaces this process with itself started with the
/// tunables above. Returns only when nothing is to be done, or when the restart failed
/// (the server then runs with glibc's defaults).
pub fn tune_server_allocator(args: &[OsString]) {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        return;
    }
    let is_server = args.get(1).is_some_and(|a| a == "server");
    let tunables = std::env::var("GLIBC_TUNABLES").ok();
    let Start::Again(value) = decide(is_server, tunables.as_deref(), std::env::var_os(MARK).is_some()) else {
        return;
    };
    exec_self(args, &value);
}

#[cfg(unix)]
fn exec_self(args: &[OsString], tunables: &str) {
    use std::os::unix::process::CommandExt;
    let Ok(exe) = std::env::current_exe() else { return };
    let mut command = std::process::Command::new(exe);
    if let Some(arg0) = args.first() {
        command.arg0(arg0);
    }
    // `exec` returns only on failure; the server then starts as it is.
    let _ = command.args(args.iter().skip(1)).env("GLIBC_TUNABLES", tunables).env(MARK, "1").exec();
}

#[cfg(not(unix))]
fn exec_self(_: &[OsString], _: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_server_restarts_once_and_the_operators_tunables_win() {
        let again = |t: &str| Start::Again(t.to_string());
        let cases = [
            (true, None, false, again(TUNABLES)),
            (true, Some(""), false, again(TUNABLES)),
            (true, Some("glibc.rtld.nns=2"), false, again(&format!("glibc.rtld.nns=2:{TUNABLES}"))),
            (true, Some("glibc.malloc.arena_max=4"), false, Start::AsIs),
            (true, None, true, Start::AsIs),
            (false, None, false, Start::AsIs),
        ];
        for (is_server, tunables, already, want) in cases {
            assert_eq!(decide(is_server, tunables, already), want, "{is_server} {tunables:?} {already}");
        }
    }
}
