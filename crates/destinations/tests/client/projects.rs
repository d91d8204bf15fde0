//! The destination picker: per token kind, pagination, deleted projects, ephemeral and
//! inaccessible environments, services per environment, projects reached as an invited
//! guest, and the project token's single environment.

use sluice_destinations::railway::{Named, RailwayEnvironment, RailwayError, RailwayProject};
use sluice_railway_fake::{FakeConfig, Fault, Seed, SeedEnvironment, SeedProject, SeedService, SeedWorkspace};

use crate::{Harness, account, project, seeded, workspace};

fn env(id: &str, name: &str, services: &[&str]) -> RailwayEnvironment {
    let mut service_ids: Vec<String> = services.iter().map(|s| (*s).to_owned()).collect();
    service_ids.sort();
    RailwayEnvironment { id: id.to_owned(), name: name.to_owned(), service_ids }
}

fn shop(environments: Vec<RailwayEnvironment>) -> RailwayProject {
    RailwayProject {
        id: seeded::PROJECT.to_owned(),
        name: "shop".to_owned(),
        workspace_id: Some(seeded::WORKSPACE.to_owned()),
        environments,
        services: vec![Named::new(seeded::API, "api"), Named::new(seeded::WORKER, "worker")],
    }
}

fn both_environments() -> Vec<RailwayEnvironment> {
    vec![
        env(seeded::PRODUCTION, "production", &[seeded::API, seeded::WORKER]),
        env(seeded::STAGING, "staging", &[seeded::API, seeded::WORKER]),
    ]
}

fn sorted(mut list: Vec<Named>) -> Vec<Named> {
    list.sort();
    list
}

fn normalise(mut p: RailwayProject) -> RailwayProject {
    p.environments.sort_by(|a, b| a.id.cmp(&b.id));
    for e in &mut p.environments {
        e.service_ids.sort();
    }
    p.services = sorted(p.services);
    p
}

#[tokio::test]
async fn account_token_lists_projects_per_workspace() {
    let h = Harness::start().await;
    let projects = h.client.list_projects(&account()).await.expect("projects");
    assert_eq!(projects.into_iter().map(normalise).collect::<Vec<_>>(), vec![shop(both_environments())]);
    assert_eq!(
        h.operations(),
        ["Me", "ProjectsPage", "ServiceInstancesPage", "ServiceInstancesPage", "ExternalProjects"],
        "workspaces from me, one page, each environment's services, then projects it was invited to"
    );
}

#[tokio::test]
async fn workspace_token_lists_its_workspace() {
    let h = Harness::start().await;
    let projects = h.client.list_projects(&workspace()).await.expect("projects");
    assert_eq!(projects.into_iter().map(normalise).collect::<Vec<_>>(), vec![shop(both_environments())]);
    assert_eq!(h.operations(), ["ProjectsPage", "ServiceInstancesPage", "ServiceInstancesPage"]);
}

#[tokio::test]
async fn project_token_offers_only_its_own_environment() {
    let h = Harness::start().await;
    let projects = h.client.list_projects(&project()).await.expect("projects");
    assert_eq!(
        projects.into_iter().map(normalise).collect::<Vec<_>>(),
        vec![shop(vec![env(seeded::PRODUCTION, "production", &[seeded::API, seeded::WORKER])])],
        "staging exists but the token cannot write there"
    );
}

#[tokio::test]
async fn picker_errors_are_errors_not_empty_lists() {
    let h = Harness::start().await;
    h.fake.inject(Fault::problem_processing_request().for_operation("ProjectsPage"));
    let err = h.client.list_projects(&workspace()).await.expect_err("surfaced");
    assert!(matches!(err, RailwayError::Transient { .. }), "{err:?}");
}

fn uuid(group: u32, n: u32) -> String {
    format!("{group:08x}-0000-4000-8000-{n:012x}")
}

/// Seven extra projects (one deleted), one with 5 environments (one ephemeral) and 5
/// services, listed with a page size of 2.
fn paginated_seed() -> Seed {
    let mut seed = Seed::example();
    for n in 1..=7u32 {
        let (environments, services) = if n == 1 {
            let envs = (1..=5)
                .map(|e| SeedEnvironment { id: uuid(0xe0, e), name: format!("env-{e}"), is_ephemeral: e == 3 })
                .collect();
            let svcs = (1..=5)
                .map(|s| SeedService {
                    id: uuid(0x5e, s),
                    name: format!("svc-{s}"),
                    icon: None,
                    environment_ids: None,
                    deployment_statuses: None,
                    cron_schedule: None,
                })
                .collect();
            (envs, svcs)
        } else {
            (vec![SeedEnvironment { id: uuid(0xe1, n), name: "production".into(), is_ephemeral: false }], vec![])
        };
        seed.projects.push(SeedProject {
            id: uuid(0xaa, n),
            name: format!("project-{n}"),
            workspace_id: seeded::WORKSPACE.to_owned(),
            description: None,
            created_at: None,
            deleted_at: (n == 4).then(|| "2026-01-01T00:00:00Z".to_owned()),
            environments,
            services,
        });
    }
    seed
}

#[tokio::test]
async fn follows_every_page_skips_deleted_projects_and_ephemeral_environments() {
    for creds in [account(), workspace()] {
        let h = Harness::with(FakeConfig::default(), paginated_seed(), |c| c.page_size = 2).await;
        let projects = h.client.list_projects(&creds).await.expect("projects");

        let mut names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["project-1", "project-2", "project-3", "project-5", "project-6", "project-7", "shop"],
            "{:?}: all pages, deleted project-4 skipped",
            creds.kind
        );

        let big = projects.iter().find(|p| p.name == "project-1").expect("project-1");
        let envs: Vec<&str> = big.environments.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(sorted_strs(envs), ["env-1", "env-2", "env-4", "env-5"], "ephemeral env-3 left out");
        let svcs: Vec<&str> = big.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(sorted_strs(svcs), ["svc-1", "svc-2", "svc-3", "svc-4", "svc-5"]);

        let ops = h.operations();
        let pages = ops.iter().filter(|o| *o == "ProjectsPage").count();
        assert!(pages >= 4, "8 projects at 2 per page: {ops:?}");
        assert!(ops.iter().any(|o| o == "EnvironmentsPage"), "{ops:?}");
        assert!(ops.iter().any(|o| o == "ServicesPage"), "{ops:?}");
    }
}

fn sorted_strs(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

#[tokio::test]
async fn projects_an_account_was_invited_to_are_offered_too() {
    let mut seed = Seed::example();
    seed.workspaces.push(SeedWorkspace { id: uuid(0xb0, 1), name: "Partner".into() });
    seed.projects.push(SeedProject {
        id: uuid(0xb1, 1),
        name: "partner-app".into(),
        workspace_id: uuid(0xb0, 1),
        description: None,
        created_at: None,
        deleted_at: None,
        environments: vec![SeedEnvironment { id: uuid(0xb2, 1), name: "production".into(), is_ephemeral: false }],
        services: vec![],
    });
    seed.users[0].external_project_ids.push(uuid(0xb1, 1));
    let h = Harness::with(FakeConfig::default(), seed, |_| {}).await;
    let projects = h.client.list_projects(&account()).await.expect("projects");
    let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["shop", "partner-app"], "the invited project after the workspace's own");
    let workspace_projects = h.client.list_projects(&workspace()).await.expect("projects");
    assert_eq!(workspace_projects.len(), 1, "a workspace token sees its workspace only");
}

#[tokio::test]
async fn environments_the_token_cannot_use_are_hidden_and_services_are_listed_where_deployed() {
    let mut seed = Seed::example();
    // The worker runs in production only; staging is closed to this user.
    for p in &mut seed.projects {
        for s in &mut p.services {
            if s.id == seeded::WORKER {
                s.environment_ids = Some(vec![seeded::PRODUCTION.to_owned()]);
            }
        }
    }
    let h = Harness::with(FakeConfig::default(), seed.clone(), |_| {}).await;
    let shop_now = normalise(h.client.list_projects(&account()).await.expect("projects").remove(0));
    assert_eq!(
        shop_now.environments,
        vec![
            env(seeded::PRODUCTION, "production", &[seeded::API, seeded::WORKER]),
            env(seeded::STAGING, "staging", &[seeded::API]),
        ],
        "staging has no worker instance"
    );

    seed.inaccessible_environments.insert(seeded::STAGING.to_owned());
    let h = Harness::with(FakeConfig::default(), seed, |_| {}).await;
    let shop_now = normalise(h.client.list_projects(&account()).await.expect("projects").remove(0));
    let names: Vec<&str> = shop_now.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["production"], "canAccess: false is not offered");
}

#[tokio::test]
async fn long_lists_of_service_instances_are_paged() {
    let h = Harness::with(FakeConfig::default(), paginated_seed(), |c| c.page_size = 2).await;
    let projects = h.client.list_projects(&workspace()).await.expect("projects");
    let big = projects.iter().find(|p| p.name == "project-1").expect("project-1");
    for e in &big.environments {
        assert_eq!(e.service_ids.len(), 5, "{}: every service has an instance", e.name);
    }
    assert!(h.operations().iter().any(|o| o == "ServiceInstancesPage"), "{:?}", h.operations());
}
