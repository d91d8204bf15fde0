//! `sluice login` and `sluice logout`: get an access token (universal auth with a machine
//! identity's client id and secret, OIDC auth with its id and a JWT its CI issued, or a
//! user's email and password), choose a default
//! project, and store them (see [`crate::config`]); or revoke and forget them.

use crate::client::{Client, TokenSource};
use crate::config::{self, Credentials};
use crate::context::{self, GlobalArgs, find_project, now_secs};
use crate::error::{CliError, CliResult};
use crate::output::duration_words;
use sluice_api_types::auth::{AccessTokenIn, AccessTokenOut, MessageOut, UserLoginIn};
use sluice_api_types::oidc_auth::OidcAuthLoginIn;
use sluice_api_types::projects::{ProjectOut, ProjectsOut};
use sluice_domain::SecretToken;
use std::io::{BufRead, IsTerminal};

const LOGIN_EXAMPLES: &str = "Examples:
  # A machine identity (universal auth):
  sluice login --url http://127.0.0.1:8080 --client-id 6f1c… --client-secret 9b2e…
  # The same from Infisical's variables, the secret never on the command line:
  INFISICAL_UNIVERSAL_AUTH_CLIENT_ID=6f1c… INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET=9b2e… sluice login
  # A machine identity (OIDC auth) with a token from the CI's issuer:
  sluice login --method oidc --identity-id 96c7… --jwt \"$ACTIONS_ID_TOKEN\"
  # A user; the password is asked for without echo:
  sluice login --email admin@example.com --project default
  # A user, the password from standard input:
  printf '%s' \"$PW\" | sluice login --email admin@example.com --password-stdin
  # Print a token for a script instead of storing it:
  export SLUICE_TOKEN=$(sluice login --client-id … --client-secret … --plain)";

#[derive(clap::Args, Debug)]
#[command(after_help = LOGIN_EXAMPLES)]
pub struct LoginArgs {
    /// How to log in [default: universal-auth with --client-id, user with --email]
    #[arg(long, value_enum)]
    pub method: Option<Method>,

    /// Machine identity client id [env: SLUICE_CLIENT_ID, INFISICAL_UNIVERSAL_AUTH_CLIENT_ID]
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Machine identity client secret [env: SLUICE_CLIENT_SECRET, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET]
    #[arg(long, value_name = "SECRET")]
    pub client_secret: Option<String>,

    /// Machine identity id, for OIDC auth [env: SLUICE_IDENTITY_ID, INFISICAL_MACHINE_IDENTITY_ID]
    #[arg(long, value_name = "ID")]
    pub identity_id: Option<String>,

    /// The OIDC token (JWT) for OIDC auth [env: SLUICE_OIDC_JWT, INFISICAL_JWT]
    #[arg(long, value_name = "JWT")]
    pub jwt: Option<String>,

    /// User email [env: SLUICE_EMAIL]
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,

    /// User password (prefer the prompt or --password-stdin: flags end up in shell history) [env: SLUICE_PASSWORD]
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,

    /// Read the password (or the client secret, or the JWT) from standard input
    #[arg(long, aliases = ["client-secret-stdin", "jwt-stdin"])]
    pub password_stdin: bool,

    /// Print the access token instead of storing it
    #[arg(long)]
    pub plain: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    UniversalAuth,
    #[value(alias = "oidc-auth")]
    Oidc,
    User,
}

const LOGOUT_EXAMPLES: &str = "Examples:
  sluice logout";

#[derive(clap::Args, Debug)]
#[command(after_help = LOGOUT_EXAMPLES)]
pub struct LogoutArgs {}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn first(flag: &Option<String>, vars: &[&str]) -> Option<String> {
    flag.clone().filter(|v| !v.trim().is_empty()).or_else(|| vars.iter().find_map(|v| env_var(v)))
}

/// The secret half: a flag or variable, standard input, or a prompt on a terminal.
fn secret(given: Option<String>, from_stdin: bool, prompt: &str, flag: &str) -> CliResult<String> {
    if let Some(s) = given {
        return Ok(s);
    }
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let s = line.trim_end_matches(['\n', '\r']).to_string();
        if s.is_empty() {
            return Err(CliError::usage(format!("{flag}: standard input was empty")));
        }
        return Ok(s);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map_err(|e| CliError::failed(format!("cannot read the {flag}: {e}")));
    }
    Err(CliError::usage(format!("{flag} is missing"))
        .with_hint(format!("pass {flag}, pipe it with --password-stdin, or run in a terminal to be asked")))
}

pub async fn login(global: &GlobalArgs, args: &LoginArgs) -> CliResult<()> {
    let stored = config::load()?;
    let url = context::server_url(global, stored.as_ref());
    let anonymous = Client::new(&url, None, TokenSource::None)?;
    let client_id = first(&args.client_id, &["SLUICE_CLIENT_ID", "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"]);
    let email = first(&args.email, &["SLUICE_EMAIL"]);
    let identity_id = first(&args.identity_id, &["SLUICE_IDENTITY_ID", "INFISICAL_MACHINE_IDENTITY_ID"]);
    let method = match (args.method, &client_id, &email) {
        (Some(m), _, _) => m,
        (None, Some(_), _) => Method::UniversalAuth,
        (None, None, Some(_)) => Method::User,
        (None, None, None) if identity_id.is_some() => Method::Oidc,
        (None, None, None) => {
            return Err(CliError::usage("say who is logging in").with_hint(
                "pass --client-id and --client-secret or --identity-id and --jwt (a machine identity), or --email (a user)",
            ));
        }
    };
    let (token, subject): (AccessTokenOut, String) = match method {
        Method::UniversalAuth => {
            let id = client_id.ok_or_else(|| {
                CliError::usage("--client-id is missing").with_hint("universal auth needs the identity's client id")
            })?;
            let given = first(&args.client_secret, &["SLUICE_CLIENT_SECRET", "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"]);
            let secret = secret(given, args.password_stdin, "Client secret: ", "--client-secret")?;
            (context::universal_login(&anonymous, &id, &secret).await?, id)
        }
        Method::Oidc => {
            let id = identity_id.ok_or_else(|| {
                CliError::usage("--identity-id is missing").with_hint("OIDC auth needs the machine identity's id")
            })?;
            let given = first(&args.jwt, &["SLUICE_OIDC_JWT", "INFISICAL_JWT"]);
            let jwt = secret(given, args.password_stdin, "OIDC token (JWT): ", "--jwt")?;
            let body = OidcAuthLoginIn { identity_id: id.trim().to_string(), jwt: SecretToken::from(jwt.trim()) };
            let out = anonymous.post(&["api", "v1", "auth", "oidc-auth", "login"], &body).await.map_err(|e| {
                if e.exit_code() == 3 {
                    e.with_hint(
                        "check the identity id, and that the token is fresh and issued for this identity's bounds",
                    )
                } else {
                    e
                }
            })?;
            (out, id)
        }
        Method::User => {
            let email = email.ok_or_else(|| CliError::usage("--email is missing"))?;
            let given = first(&args.password, &["SLUICE_PASSWORD"]);
            let password = secret(given, args.password_stdin, "Password: ", "--password")?;
            let body = UserLoginIn { email: email.clone(), password: SecretToken::from(password) };
            let out = anonymous
                .post(&["api", "v1", "auth", "login"], &body)
                .await
                .map_err(|e| if e.exit_code() == 3 { e.with_hint("check the email and password") } else { e })?;
            (out, email)
        }
    };
    if args.plain {
        println!("{}", token.access_token.expose());
        return Ok(());
    }

    let authed = Client::new(&url, Some(token.access_token.expose().to_string()), TokenSource::Flag)?;
    let projects: ProjectsOut = authed.get(&["api", "v1", "projects"], &[]).await?;
    let wanted = global.project.clone().filter(|p| !p.trim().is_empty()).or_else(|| env_var("INFISICAL_PROJECT_ID"));
    let project: Option<ProjectOut> = match wanted {
        Some(w) => Some(find_project(&projects.projects, w.trim(), "--project")?),
        None if projects.projects.len() == 1 => projects.projects.first().cloned(),
        None => None,
    };

    let creds = Credentials {
        url: authed.base().to_string(),
        access_token: token.access_token.expose().to_string(),
        expires_at: (token.expires_in > 0).then(|| now_secs() + token.expires_in),
        method: match method {
            Method::UniversalAuth => "universal-auth".into(),
            Method::Oidc => "oidc-auth".into(),
            Method::User => "user".into(),
        },
        subject: subject.clone(),
        project_id: project.as_ref().map(|p| p.id.clone()),
        project_slug: project.as_ref().map(|p| p.slug.clone()),
    };
    let path = config::save(&creds)?;
    let who = match method {
        Method::UniversalAuth | Method::Oidc => format!("machine identity {subject}"),
        Method::User => subject,
    };
    let valid = if token.expires_in > 0 {
        format!("valid for {}", duration_words(token.expires_in))
    } else {
        "no expiry".into()
    };
    println!("Logged in to {} as {who} (token {valid}).", creds.url);
    match &project {
        Some(p) => println!("Default project: {} ({}).", p.slug, p.id),
        None if projects.projects.is_empty() => println!("No projects yet."),
        None => println!(
            "Several projects ({}): choose one per command with --project, or log in again with --project.",
            projects.projects.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
    println!("Saved to {}.", path.display());
    Ok(())
}

/// Revokes the stored token at the server it was made for (never another) and removes it.
pub async fn logout() -> CliResult<()> {
    let Some(creds) = config::load()? else {
        println!("Not logged in.");
        return Ok(());
    };
    let client = Client::new(&creds.url, Some(creds.access_token.clone()), TokenSource::Stored)?;
    let body = AccessTokenIn { access_token: SecretToken::from(creds.access_token.as_str()) };
    let revoked: CliResult<MessageOut> = client.post(&["api", "v1", "auth", "token", "revoke"], &body).await;
    config::remove()?;
    match revoked {
        Ok(_) => println!("Logged out of {} (token revoked).", creds.url),
        Err(e) => println!("Logged out of {} (the token could not be revoked: {}).", creds.url, e.message),
    }
    Ok(())
}
