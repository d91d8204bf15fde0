//! Bootstrapping an instance (also used by `sluice server --dev`).

use crate::auth::RequestMeta;
use crate::error::{ApiError, ApiResult};
use crate::features::auth::service::{TokenLifetime, issue_token};
use crate::features::identities::service::create_identity;
use crate::state::AppState;
use sluice_api_types::admin::*;
use sluice_core::audit::{self, AuditActor, AuditEvent};
use sluice_crypto::passwords;
use sluice_domain::{ActorType, OrgId, OrgRole, Slug, UserId};
use sluice_storage::memberships::{self, Principal};
use sluice_storage::orgs::{self, OrgRow};
use sluice_storage::users::{self, UserRow};
use sluice_storage::{StorageError, now_ms};

pub struct Bootstrapped {
    pub out: BootstrapOut,
    pub user_id: UserId,
    pub org_id: OrgId,
}

pub const MIN_PASSWORD_LEN: usize = 8;

pub fn validate_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
        && !email.chars().any(char::is_whitespace);
    if valid { Ok(email) } else { Err(ApiError::invalid("body.email", format!("\"{email}\" is not an email address"))) }
}

pub fn validate_password(password: &str) -> ApiResult<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(ApiError::invalid(
            "body.password",
            format!("password must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

pub async fn bootstrap(state: &AppState, input: &BootstrapIn, meta: RequestMeta) -> ApiResult<Bootstrapped> {
    let email = validate_email(&input.email)?;
    validate_password(&input.password)?;
    let org_name = &crate::extract::display_name(&input.organization, "body.organization")?;
    let org_slug = Slug::slugify(org_name);
    let org_slug = if org_slug.is_empty() { "org".to_string() } else { org_slug };
    // Hash before taking the write lock: Argon2 is deliberately slow.
    let password = input.password.clone();
    let password_hash = state.hashing.run(move || passwords::hash_password(&password)).await?;

    let mut tx = state.store.write().await?;
    let first = sluice_storage::meta::put_if_absent(&mut tx, "bootstrapped", b"1").await?;
    if !first || users::count(&mut tx).await? > 0 || orgs::count(&mut tx).await? > 0 {
        return Err(ApiError::bad_request("Instance has already been set up"));
    }
    let now = now_ms();
    let user = UserRow {
        id: UserId::new(),
        email: email.clone(),
        username: email.clone(),
        first_name: String::new(),
        last_name: String::new(),
        password_hash,
        super_admin: true,
        created_at: now,
        updated_at: now,
    };
    users::insert(&mut tx, &user).await?;
    let org = OrgRow { id: OrgId::new(), name: org_name.to_string(), slug: org_slug, created_at: now, updated_at: now };
    orgs::insert(&mut tx, &org).await?;
    memberships::add_org_member(&mut tx, &org.id, &Principal::User(user.id.clone()), OrgRole::Admin).await?;
    let identity = create_identity(&mut tx, &org.id, "instance-admin", OrgRole::Admin).await?;
    let token = issue_token(
        &mut tx,
        &Principal::Identity(identity.id.clone()),
        None,
        TokenLifetime { ttl: 0, max_ttl: 0, num_uses_limit: 0 },
    )
    .await?;
    audit::record(
        &mut tx,
        AuditActor {
            kind: ActorType::User,
            id: Some(user.id.to_string()),
            name: Some(email.clone()),
            origin: meta.into(),
        },
        AuditEvent::new("admin-bootstrap")
            .org(&org.id)
            .target("organization", org.id.clone())
            .meta(serde_json::json!({ "email": email, "organization": org.name, "identityId": identity.id })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;

    Ok(Bootstrapped {
        user_id: user.id.clone(),
        org_id: org.id.clone(),
        out: BootstrapOut {
            message: "Successfully bootstrapped instance".to_string(),
            user: BootstrapUserOut {
                id: user.id.to_string(),
                username: user.username,
                email: user.email,
                first_name: user.first_name,
                last_name: user.last_name,
                super_admin: true,
            },
            organization: BootstrapOrgOut { id: org.id.to_string(), name: org.name, slug: org.slug },
            identity: BootstrapIdentityOut {
                id: identity.id.to_string(),
                name: identity.name,
                credentials: TokenCredentials { token: token.access_token.into_exposed() },
            },
        },
    })
}
