//! Fresh objects for the allowed cases of operations that destroy or consume what they
//! name, made through the API as the organization's admin (or in storage, for tokens).

use super::rules::Fresh;
use super::world::{AUDIENCE, World, id_at, identity, uniq};
use serde_json::json;
use sluice_domain::{OrgRole, ProjectRole};
use std::collections::HashMap;
use std::sync::atomic::Ordering;

impl World {
    /// `{fresh}` and `{fresh_name}` for one allowed case.
    pub async fn fresh(&self, kind: Fresh) -> (String, String) {
        self.made.fetch_add(usize::from(kind != Fresh::None), Ordering::Relaxed);
        let app = &self.app;
        let api = &app.api;
        let project = app.project_id().to_string();
        let org = app.org_id().to_string();
        match kind {
            Fresh::None | Fresh::CallerToken => (String::new(), String::new()),
            Fresh::Project => {
                let body = json!({"projectName": format!("p-{}", uniq()), "organizationId": org});
                let p = api.post("/api/v1/projects", body).await.expect(200);
                let id = id_at(&p, "/project/id");
                self.mirror_members(&id).await;
                (id, id_at(&p, "/project/slug"))
            }
            Fresh::Folder | Fresh::Import => {
                let name = format!("f{}", uniq());
                let body = json!({"workspaceId": project, "environment": "dev", "name": name, "path": "/"});
                let folder = api.post("/api/v1/folders", body).await.expect(200);
                if kind == Fresh::Folder {
                    return (id_at(&folder, "/folder/id"), name);
                }
                let body = json!({"workspaceId": project, "environment": "dev", "path": format!("/{name}"),
                    "import": {"environment": "prod", "path": "/"}});
                let import = api.post("/api/v1/secret-imports", body).await.expect(200);
                (id_at(&import, "/secretImport/id"), name)
            }
            Fresh::Tag => {
                let slug = format!("t{}", uniq());
                let tag =
                    api.post(&format!("/api/v1/projects/{project}/tags"), json!({"slug": slug})).await.expect(200);
                (id_at(&tag, "/tag/id"), slug)
            }
            Fresh::Connection => {
                let name = format!("c-{}", uniq());
                let c =
                    crate::sync_support::connection(app, &name, "account-token", crate::sync_support::ACCOUNT_TOKEN)
                        .await;
                (id_at(&c, "/id"), name)
            }
            Fresh::Sync => {
                let name = format!("s-{}", uniq());
                let mut body = crate::sync_support::sync_body(app, &name, self.var("conn"), "/");
                body["syncOptions"]["keySchema"] = json!(format!("F{}_{{{{secretKey}}}}", uniq().to_uppercase()));
                let s = api.post(crate::sync_support::SYNCS, body).await.expect(200);
                (id_at(&s, "/secretSync/id"), name)
            }
            Fresh::Channel => {
                let body =
                    json!({"name": format!("n-{}", uniq()), "type": "webhook", "url": "https://hooks.example.com/x"});
                let c = api.post(&format!("/api/v1/projects/{project}/notification-channels"), body).await.expect(200);
                (id_at(&c, "/notificationChannel/id"), String::new())
            }
            Fresh::Environment => {
                let u = uniq();
                let body = json!({"name": format!("E{u}"), "slug": format!("e{u}")});
                let e = api.post(&format!("/api/v1/projects/{project}/environments"), body).await.expect(200);
                (id_at(&e, "/environment/id"), format!("e{u}"))
            }
            Fresh::Secret => {
                let key = format!("D{}", uniq().to_uppercase());
                crate::sync_support::put_secret(app, "dev", "/", &key, "to-delete").await;
                (String::new(), key)
            }
            Fresh::Identity | Fresh::UaIdentity | Fresh::OidcIdentity | Fresh::IdentityMember => {
                let role = (kind == Fresh::IdentityMember).then_some((project.as_str(), ProjectRole::Viewer));
                let (id, _, _) = identity(app, &org, OrgRole::Member, role).await;
                if kind == Fresh::UaIdentity {
                    api.post(&format!("/api/v1/auth/universal-auth/identities/{id}"), json!({})).await.expect(200);
                }
                if kind == Fresh::OidcIdentity {
                    let body = json!({"oidcDiscoveryUrl": self.issuer.url, "boundIssuer": self.issuer.url,
                        "boundAudiences": AUDIENCE, "boundSubject": "*"});
                    api.post(&format!("/api/v1/auth/oidc-auth/identities/{id}"), body).await.expect(200);
                }
                (id, String::new())
            }
            Fresh::ClientSecret => {
                let path = format!("/api/v1/auth/universal-auth/identities/{}/client-secrets", self.var("identity"));
                let cs = api.post(&path, json!({})).await.expect(200);
                (id_at(&cs, "/clientSecretData/id"), String::new())
            }
            Fresh::OrgUser | Fresh::UserMember => {
                let email = format!("f{}@example.com", uniq());
                let users = format!("/api/v1/organization/{org}/users");
                let added =
                    api.post(&users, json!({"email": email, "password": "a long matrix password"})).await.expect(200);
                if kind == Fresh::OrgUser {
                    return (id_at(&added, "/membership/id"), email);
                }
                let path = format!("/api/v1/projects/{project}/memberships");
                let rows = api.post(&path, json!({"emails": [email], "roleSlugs": ["viewer"]})).await.expect(200);
                (id_at(&rows, "/memberships/0/id"), email)
            }
            Fresh::AccessToken => (identity(app, &org, OrgRole::Member, None).await.1, String::new()),
            Fresh::Jwt => {
                let claims = self.issuer.claims(AUDIENCE, "matrix", json!({}));
                (self.key.sign(&claims), String::new())
            }
        }
    }

    /// The placeholders of one case: a fresh object when allowed, else the fixture.
    pub async fn case_vars(&self, kind: Fresh, allowed: bool) -> HashMap<&'static str, String> {
        let (fresh, fresh_name) = if allowed || kind.fixture() == ("", "") {
            self.fresh(kind).await
        } else {
            let (id, name) = kind.fixture();
            let get = |k: &str| if k.is_empty() { String::new() } else { self.var(k).to_string() };
            (get(id), get(name))
        };
        let u = uniq();
        HashMap::from([("fresh", fresh), ("fresh_name", fresh_name), ("UNIQ", u.to_uppercase()), ("uniq", u)])
    }
}
