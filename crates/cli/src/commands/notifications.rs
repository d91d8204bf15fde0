//! `sluice notifications list|create-webhook|create-email|enable|disable|delete|test|
//! rotate-secret|deliveries`: the project's notification channels
//! (`/api/v1/projects/{projectId}/notification-channels`, project admins).
//!
//! A webhook's signing secret is printed once, by `create-webhook` (and `rotate-secret`):
//! the server never shows it again.

use super::connections::print_value;
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use sluice_api_types::notifications::{
    DeliveriesOut, DeliveryOut, DeliveryResponse, NotificationChannelCreatedOut, NotificationChannelIn,
    NotificationChannelOut, NotificationChannelPatch, NotificationChannelResponse, NotificationChannelsOut,
};

const EXAMPLES: &str = "Examples:
  sluice notifications create-webhook ops https://hooks.example.com/sluice
  sluice notifications create-webhook failures https://hooks.example.com/f --event sync.failed --event connection.rejected
  sluice notifications create-email oncall --to ops@example.com --to oncall@example.com
  sluice notifications list
  sluice notifications test ops
  sluice notifications deliveries ops
  sluice notifications delete ops

Events: sync.failed, sync.recovered, sync.held, sync.drifted, connection.rejected (default: every event).";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct NotificationsArgs {
    #[command(subcommand)]
    pub command: NotificationsCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum NotificationsCommand {
    /// List the project's channels
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  sluice notifications list
  sluice notifications list -o json"
    )]
    List,
    /// Add a webhook signed as Standard Webhooks; prints its signing secret once
    #[command(after_help = "Examples:
  sluice notifications create-webhook ops https://hooks.example.com/sluice
  sluice notifications create-webhook failures https://hooks.example.com/f --event sync.failed")]
    CreateWebhook(WebhookArgs),
    /// Add an email channel (the server's SMTP settings send it)
    #[command(after_help = "Examples:
  sluice notifications create-email oncall --to ops@example.com --to oncall@example.com")]
    CreateEmail(EmailArgs),
    /// Turn a channel on
    #[command(after_help = "Examples:
  sluice notifications enable ops")]
    Enable(TargetArgs),
    /// Turn a channel off: it receives no events until enabled again
    #[command(after_help = "Examples:
  sluice notifications disable ops")]
    Disable(TargetArgs),
    /// Delete a channel and its delivery log
    #[command(
        visible_alias = "rm",
        after_help = "Examples:
  sluice notifications delete ops"
    )]
    Delete(TargetArgs),
    /// Send a test event now; exits 1 when it did not arrive
    #[command(after_help = "Examples:
  sluice notifications test ops")]
    Test(TargetArgs),
    /// Replace a webhook's signing secret; prints the new one once
    #[command(after_help = "Examples:
  sluice notifications rotate-secret ops")]
    RotateSecret(TargetArgs),
    /// A channel's delivery log, newest first
    #[command(after_help = "Examples:
  sluice notifications deliveries ops
  sluice notifications deliveries ops --limit 100 -o json")]
    Deliveries(DeliveriesArgs),
}

#[derive(clap::Args, Debug)]
pub struct WebhookArgs {
    /// Name: lowercase letters, digits and hyphens
    pub name: String,
    /// Where to POST (https:// or http://)
    #[arg(value_name = "URL")]
    pub endpoint: String,
    /// An event to receive (repeat it; default: every event)
    #[arg(long = "event", value_name = "TYPE")]
    pub events: Vec<String>,
    /// Create it turned off
    #[arg(long)]
    pub disabled: bool,
}

#[derive(clap::Args, Debug)]
pub struct EmailArgs {
    /// Name: lowercase letters, digits and hyphens
    pub name: String,
    /// A recipient (repeat it)
    #[arg(long = "to", value_name = "ADDRESS", required = true)]
    pub recipients: Vec<String>,
    /// An event to receive (repeat it; default: every event)
    #[arg(long = "event", value_name = "TYPE")]
    pub events: Vec<String>,
    /// Create it turned off
    #[arg(long)]
    pub disabled: bool,
}

#[derive(clap::Args, Debug)]
pub struct TargetArgs {
    /// Channel id or name
    #[arg(value_name = "ID|NAME")]
    pub channel: String,
}

#[derive(clap::Args, Debug)]
pub struct DeliveriesArgs {
    /// Channel id or name
    #[arg(value_name = "ID|NAME")]
    pub channel: String,
    /// How many (1–100)
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
    /// How many of the newest to skip
    #[arg(long, default_value_t = 0)]
    pub offset: i64,
}

pub async fn run(ctx: &Context, args: &NotificationsArgs) -> CliResult<()> {
    ctx.require_token()?;
    ctx.output_of(Format::Table, &[Format::Table, Format::Json, Format::Yaml])?;
    let project = ctx.project().await?.id;
    let at = Channels { ctx, project: &project };
    match &args.command {
        NotificationsCommand::List => at.list().await,
        NotificationsCommand::CreateWebhook(a) => {
            let body = NotificationChannelIn {
                name: Some(a.name.clone()),
                kind: Some("webhook".into()),
                is_enabled: Some(!a.disabled),
                event_types: (!a.events.is_empty()).then(|| a.events.clone()),
                url: Some(a.endpoint.clone()),
                recipients: None,
            };
            at.create(&body).await
        }
        NotificationsCommand::CreateEmail(a) => {
            let body = NotificationChannelIn {
                name: Some(a.name.clone()),
                kind: Some("email".into()),
                is_enabled: Some(!a.disabled),
                event_types: (!a.events.is_empty()).then(|| a.events.clone()),
                url: None,
                recipients: Some(a.recipients.clone()),
            };
            at.create(&body).await
        }
        NotificationsCommand::Enable(a) => at.enable(&a.channel, true).await,
        NotificationsCommand::Disable(a) => at.enable(&a.channel, false).await,
        NotificationsCommand::Delete(a) => at.delete(&a.channel).await,
        NotificationsCommand::Test(a) => at.test(&a.channel).await,
        NotificationsCommand::RotateSecret(a) => at.rotate(&a.channel).await,
        NotificationsCommand::Deliveries(a) => at.deliveries(a).await,
    }
}

/// The channels of one project.
struct Channels<'a> {
    ctx: &'a Context,
    project: &'a str,
}

impl Channels<'_> {
    fn path<'b>(&'b self, rest: &[&'b str]) -> Vec<&'b str> {
        let mut p = vec!["api", "v1", "projects", self.project, "notification-channels"];
        p.extend_from_slice(rest);
        p
    }

    async fn all(&self) -> CliResult<Vec<NotificationChannelOut>> {
        let out: NotificationChannelsOut = self.ctx.client.get(&self.path(&[]), &[]).await?;
        Ok(out.notification_channels)
    }

    /// A channel by id or name.
    async fn find(&self, wanted: &str) -> CliResult<NotificationChannelOut> {
        self.all().await?.into_iter().find(|c| c.id == wanted || c.name == wanted).ok_or_else(|| {
            CliError::not_found(format!("no notification channel \"{wanted}\""))
                .with_hint("see them with `sluice notifications list`")
        })
    }

    async fn list(&self) -> CliResult<()> {
        let channels = self.all().await?;
        match self.ctx.output(Format::Table) {
            Format::Table => {
                if channels.is_empty() {
                    println!(
                        "No notification channels yet: add one with `sluice notifications create-webhook` or `create-email`."
                    );
                    return Ok(());
                }
                let rows: Vec<Vec<String>> = channels.iter().map(row).collect();
                print!("{}", output::table(&["NAME", "TYPE", "SENDS TO", "EVENTS", "STATE", "ID"], &rows));
                Ok(())
            }
            f => print_value(f, &serde_json::to_value(&channels).unwrap_or_default()),
        }
    }

    async fn create(&self, body: &NotificationChannelIn) -> CliResult<()> {
        let out: NotificationChannelCreatedOut = self.ctx.client.post(&self.path(&[]), body).await.map_err(|e| {
            e.name_flags(&[
                ("body.name", "NAME"),
                ("body.url", "URL"),
                ("body.recipients", "--to"),
                ("body.eventTypes", "--event"),
            ])
        })?;
        match self.ctx.output(Format::Table) {
            Format::Table => {
                let c = &out.notification_channel;
                let kind = if c.kind == "webhook" { "webhook" } else { "email channel" };
                println!("Created {kind} {} ({}), receiving {}.", c.name, c.id, events(c));
                if let Some(secret) = &out.signing_secret {
                    println!("Signing secret (shown once; verify webhook-signature with it): {}", secret.expose());
                }
                Ok(())
            }
            f => print_value(f, &serde_json::to_value(&out).unwrap_or_default()),
        }
    }

    async fn enable(&self, wanted: &str, on: bool) -> CliResult<()> {
        let c = self.find(wanted).await?;
        let patch = NotificationChannelPatch { is_enabled: Some(on), ..Default::default() };
        let out: NotificationChannelResponse = self.ctx.client.patch(&self.path(&[c.id.as_str()]), &patch).await?;
        match self.ctx.output(Format::Table) {
            Format::Table => {
                let state = if on { "enabled" } else { "disabled" };
                println!("Notification channel {} {state}.", out.notification_channel.name);
                Ok(())
            }
            f => print_value(f, &serde_json::to_value(&out.notification_channel).unwrap_or_default()),
        }
    }

    async fn delete(&self, wanted: &str) -> CliResult<()> {
        let c = self.find(wanted).await?;
        let out: NotificationChannelResponse =
            self.ctx.client.send(reqwest::Method::DELETE, &self.path(&[c.id.as_str()]), &[], None::<&()>).await?;
        match self.ctx.output(Format::Table) {
            Format::Table => {
                println!("Deleted notification channel {} ({}).", out.notification_channel.name, c.id);
                Ok(())
            }
            f => print_value(f, &serde_json::to_value(&out.notification_channel).unwrap_or_default()),
        }
    }

    async fn test(&self, wanted: &str) -> CliResult<()> {
        let c = self.find(wanted).await?;
        let out: DeliveryResponse = self.ctx.client.post(&self.path(&[c.id.as_str(), "test"]), &()).await?;
        let d = out.delivery;
        if self.ctx.output(Format::Table) != Format::Table {
            print_value(self.ctx.output(Format::Table), &serde_json::to_value(&d).unwrap_or_default())?;
        }
        match d.status.as_str() {
            "delivered" => {
                if self.ctx.output(Format::Table) == Format::Table {
                    let answer = d.last_status_code.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
                    println!("Test event delivered to {}{answer}.", c.name);
                }
                Ok(())
            }
            "pending" => Err(CliError::failed(format!(
                "the test event did not reach {}: {}",
                c.name,
                d.last_error.unwrap_or_default()
            ))
            .with_hint(format!("it will be retried; follow it with `sluice notifications deliveries {}`", c.name))),
            _ => Err(CliError::failed(format!(
                "the test event to {} failed: {}",
                c.name,
                d.last_error.unwrap_or_default()
            ))),
        }
    }

    async fn rotate(&self, wanted: &str) -> CliResult<()> {
        let c = self.find(wanted).await?;
        let out: NotificationChannelCreatedOut =
            self.ctx.client.post(&self.path(&[c.id.as_str(), "rotate-secret"]), &()).await?;
        match self.ctx.output(Format::Table) {
            Format::Table => {
                let secret = out.signing_secret.as_ref().map(|s| s.expose()).unwrap_or_default();
                println!("New signing secret of {} (shown once): {secret}", c.name);
                Ok(())
            }
            f => print_value(f, &serde_json::to_value(&out).unwrap_or_default()),
        }
    }

    async fn deliveries(&self, args: &DeliveriesArgs) -> CliResult<()> {
        let c = self.find(&args.channel).await?;
        let (limit, offset) = (args.limit.to_string(), args.offset.to_string());
        let q = [("limit", limit.as_str()), ("offset", offset.as_str())];
        let out: DeliveriesOut = self
            .ctx
            .client
            .get(&self.path(&[c.id.as_str(), "deliveries"]), &q)
            .await
            .map_err(|e| e.name_flags(&[("query.limit", "--limit"), ("query.offset", "--offset")]))?;
        match self.ctx.output(Format::Table) {
            Format::Table => {
                if out.deliveries.is_empty() {
                    println!("Nothing sent to {} yet: try `sluice notifications test {}`.", c.name, c.name);
                    return Ok(());
                }
                let rows: Vec<Vec<String>> = out.deliveries.iter().map(delivery_row).collect();
                print!(
                    "{}",
                    output::table(&["CREATED", "EVENT", "STATUS", "ATTEMPTS", "LAST ANSWER", "EVENT ID"], &rows)
                );
                let first = args.offset + 1;
                let last = args.offset + out.deliveries.len() as i64;
                println!("Deliveries {first}–{last} of {}.", out.total_count);
                Ok(())
            }
            f => print_value(f, &serde_json::to_value(&out).unwrap_or_default()),
        }
    }
}

fn events(c: &NotificationChannelOut) -> String {
    if c.all_events { "every event".to_string() } else { c.event_types.join(", ") }
}

fn row(c: &NotificationChannelOut) -> Vec<String> {
    let target = c.url.clone().or_else(|| c.recipients.as_ref().map(|r| r.join(", "))).unwrap_or_default();
    let state = if c.is_enabled { "enabled" } else { "disabled" };
    vec![c.name.clone(), c.kind.clone(), target, events(c), state.to_string(), c.id.clone()]
}

fn delivery_row(d: &DeliveryOut) -> Vec<String> {
    let answer = match (d.last_status_code, &d.last_error) {
        (Some(s), Some(e)) => format!("HTTP {s}: {e}"),
        (Some(s), None) => format!("HTTP {s}"),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    };
    vec![
        d.created_at.clone(),
        d.event_type.clone(),
        d.status.clone(),
        format!("{}/{}", d.attempts, d.max_attempts),
        answer,
        d.event_id.clone(),
    ]
}
