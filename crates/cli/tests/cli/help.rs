//! Every command's `--help` has examples; the top level documents the exit statuses.

use crate::support::BIN;

const COMMANDS: &[&[&str]] = &[
    &[],
    &["login"],
    &["logout"],
    &["backup"],
    &["restore"],
    &["secrets"],
    &["secrets", "list"],
    &["secrets", "get"],
    &["secrets", "set"],
    &["secrets", "delete"],
    &["run"],
    &["export"],
    &["connections"],
    &["connections", "railway"],
    &["connections", "railway", "create"],
    &["connections", "railway", "list"],
    &["connections", "railway", "get"],
    &["connections", "railway", "delete"],
    &["connections", "railway", "projects"],
    &["notifications"],
    &["notifications", "list"],
    &["notifications", "create-webhook"],
    &["notifications", "create-email"],
    &["notifications", "enable"],
    &["notifications", "disable"],
    &["notifications", "delete"],
    &["notifications", "test"],
    &["notifications", "rotate-secret"],
    &["notifications", "deliveries"],
    &["syncs"],
    &["syncs", "railway"],
    &["syncs", "railway", "create"],
    &["syncs", "railway", "list"],
    &["syncs", "railway", "get"],
    &["syncs", "railway", "update"],
    &["syncs", "railway", "delete"],
    &["syncs", "railway", "sync"],
    &["syncs", "railway", "plan"],
    &["syncs", "railway", "import"],
    &["syncs", "railway", "remove"],
    &["syncs", "railway", "runs"],
    &["syncs", "railway", "drift"],
    &["syncs", "railway", "confirm"],
    &["syncs", "railway", "remove-orphans"],
    &["syncs", "railway", "keys"],
];

#[test]
fn every_command_has_help_with_examples() {
    for path in COMMANDS {
        let out = assert_cmd::Command::new(BIN).args(*path).arg("--help").env_clear().output().expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "sluice {} --help failed", path.join(" "));
        let examples = text.split_once("Examples:\n").map(|(_, e)| e).unwrap_or("");
        let has = examples.lines().any(|l| l.trim_start().starts_with("sluice ") || l.contains("| sluice "));
        assert!(has, "sluice {} --help has no examples:\n{text}", path.join(" "));
    }
}

#[test]
fn top_level_help_documents_exit_statuses_and_infisical_variables() {
    let out = assert_cmd::Command::new(BIN).arg("--help").env_clear().output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "Exit status:",
        "2  usage",
        "3  authentication",
        "4  not found",
        "6  drifted",
        "7  held",
        "INFISICAL_API_URL",
        "INFISICAL_TOKEN",
    ] {
        assert!(text.contains(want), "--help lacks {want:?}:\n{text}");
    }
}
