//! What every client command starts from: which server, which token, which project.
//!
//! Precedence, first found wins:
//! - server: `--url` / `SLUICE_URL`, `INFISICAL_API_URL`, the stored login, `http://127.0.0.1:8080`;
//! - token: `--token` / `SLUICE_TOKEN`, `INFISICAL_TOKEN`, `INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN`,
//!   a login made for this command from `SLUICE_CLIENT_ID`/`SLUICE_CLIENT_SECRET` or
//!   `INFISICAL_UNIVERSAL_AUTH_CLIENT_ID`/`…_SECRET`, then the stored login — which is only
//!   ever sent to the server it was made for;
//! - project: `--project` / `SLUICE_PROJECT`, `INFISICAL_PROJECT_ID`, the nearest
//!   `.sluice.json`/`.infisical.json`, the stored default, or the only project there is.

use crate::client::{Client, TokenSource};
use crate::config::{self, Credentials};
use crate::error::{CliError, CliResult};
use crate::output::Format;
use sluice_api_types::auth::{AccessTokenOut, UniversalAuthLoginIn};
use sluice_api_types::projects::{ProjectOut, ProjectsOut};
use sluice_domain::SecretToken;

pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// The options every client command takes (`sluice --help` lists them).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct GlobalArgs {
    /// Sluice server address [env: SLUICE_URL, INFISICAL_API_URL] [default: the stored login's, else http://127.0.0.1:8080]
    #[arg(
        long,
        global = true,
        env = "SLUICE_URL",
        hide_env = true,
        value_name = "URL",
        help_heading = "Client options"
    )]
    pub url: Option<String>,

    /// Access token to use instead of the stored login [env: SLUICE_TOKEN, INFISICAL_TOKEN]
    #[arg(
        long,
        global = true,
        env = "SLUICE_TOKEN",
        hide_env = true,
        hide_env_values = true,
        value_name = "TOKEN",
        help_heading = "Client options"
    )]
    pub token: Option<String>,

    /// Project id or slug [env: SLUICE_PROJECT, INFISICAL_PROJECT_ID] [default: .sluice.json's workspaceId, else the one chosen at login]
    #[arg(
        long,
        global = true,
        env = "SLUICE_PROJECT",
        hide_env = true,
        value_name = "ID|SLUG",
        help_heading = "Client options"
    )]
    pub project: Option<String>,

    /// Output format (each command has its own default)
    #[arg(long, short = 'o', global = true, value_enum, value_name = "FORMAT", help_heading = "Client options")]
    pub output: Option<Format>,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A client command's resolved server, token and settings.
pub struct Context {
    pub client: Client,
    pub stored: Option<Credentials>,
    pub global: GlobalArgs,
}

/// The server URL these options point at.
pub fn server_url(global: &GlobalArgs, stored: Option<&Credentials>) -> String {
    global
        .url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| env_var("INFISICAL_API_URL"))
        .or_else(|| stored.map(|c| c.url.clone()))
        .unwrap_or_else(|| DEFAULT_URL.to_string())
}

/// Client credentials from the environment, if both halves are set.
pub fn client_credentials_from_env() -> Option<(String, String)> {
    let id = env_var("SLUICE_CLIENT_ID").or_else(|| env_var("INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"))?;
    let secret = env_var("SLUICE_CLIENT_SECRET").or_else(|| env_var("INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"))?;
    Some((id, secret))
}

/// Universal-auth login (`POST /api/v1/auth/universal-auth/login`).
pub async fn universal_login(client: &Client, id: &str, secret: &str) -> CliResult<AccessTokenOut> {
    let body = UniversalAuthLoginIn { client_id: id.to_string(), client_secret: SecretToken::from(secret) };
    client.post(&["api", "v1", "auth", "universal-auth", "login"], &body).await.map_err(|e| {
        if e.exit_code() == 3 {
            e.with_hint("check the client id and client secret of the machine identity")
        } else {
            e
        }
    })
}

fn refuse_service_token(token: &str, source: &str) -> CliResult<()> {
    if token.starts_with("st.") {
        return Err(CliError::auth(format!(
            "{source} holds an Infisical service token (st.…), which Sluice does not accept"
        ))
        .with_hint("use a machine identity's access token, or its client id and secret with `sluice login`"));
    }
    Ok(())
}

impl Context {
    /// Resolves server and token (see the module docs); a token is not required yet.
    pub async fn connect(global: &GlobalArgs) -> CliResult<Context> {
        let stored = config::load()?;
        let url = server_url(global, stored.as_ref());
        let base = crate::client::parse_base(&url)?;
        let explicit = [
            (global.token.clone().filter(|t| !t.trim().is_empty()), TokenSource::Flag, "--token"),
            (env_var("INFISICAL_TOKEN"), TokenSource::Env("INFISICAL_TOKEN"), "INFISICAL_TOKEN"),
            (
                env_var("INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN"),
                TokenSource::Env("INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN"),
                "INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN",
            ),
        ];
        for (token, source, name) in explicit {
            if let Some(token) = token {
                refuse_service_token(&token, name)?;
                let client = Client::new(&url, Some(token.trim().to_string()), source)?;
                return Ok(Context { client, stored, global: global.clone() });
            }
        }
        if let Some((id, secret)) = client_credentials_from_env() {
            let anonymous = Client::new(&url, None, TokenSource::ClientCredentials)?;
            let token = universal_login(&anonymous, &id, &secret).await?;
            let client = Client::new(&url, Some(token.access_token.into_exposed()), TokenSource::ClientCredentials)?;
            return Ok(Context { client, stored, global: global.clone() });
        }
        let usable = stored
            .as_ref()
            .filter(|c| crate::client::parse_base(&c.url).map(|u| u.as_str() == base.as_str()).unwrap_or(false));
        if let Some(creds) = usable {
            if let Some(at) = creds.expires_at.filter(|at| *at <= now_secs()) {
                return Err(CliError::auth(format!(
                    "the stored login for {} expired {}",
                    creds.url,
                    ago(now_secs() - at)
                ))
                .with_hint("run `sluice login` again"));
            }
            let client = Client::new(&url, Some(creds.access_token.clone()), TokenSource::Stored)?;
            return Ok(Context { client, stored, global: global.clone() });
        }
        let client = Client::new(&url, None, TokenSource::None)?;
        Ok(Context { client, stored, global: global.clone() })
    }

    /// Fails with an actionable message when there is no token at all.
    pub fn require_token(&self) -> CliResult<()> {
        if self.client.has_token() {
            return Ok(());
        }
        let other = self.stored.as_ref().map(|c| format!(" (the stored login is for {})", c.url)).unwrap_or_default();
        Err(CliError::auth(format!("not logged in to {}{other}", self.client.base()))
            .with_hint("run `sluice login --url URL`, or pass --token / set SLUICE_TOKEN"))
    }

    pub fn output(&self, default: Format) -> Format {
        self.global.output.unwrap_or(default)
    }

    /// Refuses `--output` values a command cannot print.
    pub fn output_of(&self, default: Format, allowed: &[Format]) -> CliResult<Format> {
        let f = self.output(default);
        if allowed.contains(&f) {
            return Ok(f);
        }
        let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
        Err(CliError::flag("--output", f.name(), format!("this command prints {}", names.join(", "))))
    }

    /// The project this command works on (see the module docs for where it comes from).
    pub async fn project(&self) -> CliResult<ProjectOut> {
        self.require_token()?;
        let cwd = std::env::current_dir().unwrap_or_default();
        let (wanted, from) = if let Some(p) = self.global.project.clone().filter(|p| !p.trim().is_empty()) {
            (Some(p), "--project".to_string())
        } else if let Some(p) = env_var("INFISICAL_PROJECT_ID") {
            (Some(p), "INFISICAL_PROJECT_ID".to_string())
        } else if let Some((p, file)) = config::project_from_files(&cwd)? {
            (Some(p), format!("workspaceId in {}", file.display()))
        } else if let Some(p) = self.stored_project() {
            (Some(p), "the project chosen at login".to_string())
        } else {
            (None, String::new())
        };
        let projects = self.projects().await?;
        match wanted {
            Some(w) => find_project(&projects, w.trim(), &from),
            None => match projects.as_slice() {
                [only] => Ok(only.clone()),
                _ => Err(CliError::usage("no project chosen").with_hint(format!(
                    "pass --project (one of: {}), set SLUICE_PROJECT, or run `sluice login --project …`",
                    slugs(&projects)
                ))),
            },
        }
    }

    fn stored_project(&self) -> Option<String> {
        let creds = self.stored.as_ref()?;
        let same = crate::client::parse_base(&creds.url).ok()?.as_str()
            == crate::client::parse_base(self.client.base()).ok()?.as_str();
        if same { creds.project_id.clone() } else { None }
    }

    pub async fn projects(&self) -> CliResult<Vec<ProjectOut>> {
        let out: ProjectsOut = self.client.get(&["api", "v1", "projects"], &[]).await?;
        Ok(out.projects)
    }
}

fn slugs(projects: &[ProjectOut]) -> String {
    if projects.is_empty() {
        return "none: you are not a member of any project".to_string();
    }
    projects.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>().join(", ")
}

/// A project by id, slug or name.
pub fn find_project(projects: &[ProjectOut], wanted: &str, from: &str) -> CliResult<ProjectOut> {
    projects
        .iter()
        .find(|p| p.id == wanted || p.slug == wanted)
        .or_else(|| projects.iter().find(|p| p.name == wanted))
        .cloned()
        .ok_or_else(|| {
            CliError::not_found(format!("project \"{wanted}\" (from {from}) not found, or you are not a member of it"))
                .with_hint(format!("projects you can use: {}", slugs(projects)))
        })
}

/// Checks an environment slug against the project's, so a typo is named before any request.
pub fn check_environment(project: &ProjectOut, env: &str, flag: &str) -> CliResult<()> {
    if project.environments.iter().any(|e| e.slug == env) {
        return Ok(());
    }
    let known: Vec<&str> = project.environments.iter().map(|e| e.slug.as_str()).collect();
    Err(CliError::flag(flag, env, format!("project {} has no such environment", project.slug))
        .with_hint(format!("choose one of: {}", known.join(", "))))
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// "3 minutes ago"-style text for a number of seconds in the past.
pub fn ago(secs: i64) -> String {
    format!("{} ago", crate::output::duration_words(secs.max(0)))
}
