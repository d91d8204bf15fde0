// Drives a running Sluice server with Infisical's official Node SDK (@infisical/sdk 5.0.2).
//
// Called by the Rust test `node_sdk` with SLUICE_URL, SLUICE_CLIENT_ID, SLUICE_CLIENT_SECRET,
// SLUICE_PROJECT_ID, SLUICE_ADMIN_EMAIL (a user of the organization) and SLUICE_TEST_NODE_SDK (the directory npm installed the SDK into) set.
// The identity administers the project; its `staging` environment holds /shared with
// SHARED_TOKEN, and dev:/app imports it. Exits non-zero on the first failed check.
//
// CommonJS, so that the SDK is found in SLUICE_TEST_NODE_SDK rather than beside this file.

"use strict";

const { InfisicalSDK } = require(require.resolve("@infisical/sdk", { paths: [process.env.SLUICE_TEST_NODE_SDK] }));

const URL = process.env.SLUICE_URL;
const PROJECT = process.env.SLUICE_PROJECT_ID;
const AT = { projectId: PROJECT, environment: "dev", secretPath: "/app" };

function check(cond, what) {
  if (!cond) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

/** The error a call throws, or fails the check when it succeeds. */
async function failure(call, what) {
  try {
    await call();
  } catch (e) {
    return e;
  }
  check(false, what);
}

async function main() {
  const client = new InfisicalSDK({ siteUrl: URL });
  await client.auth().universalAuth.login({
    clientId: process.env.SLUICE_CLIENT_ID,
    clientSecret: process.env.SLUICE_CLIENT_SECRET,
  });
  const first = client.auth().getAccessToken();
  check(typeof first === "string" && first.length > 0, "universal-auth login sets a token");
  await client.auth().universalAuth.renew();
  check(client.auth().getAccessToken().length > 0, "the token renews through /api/v1/auth/token/renew");

  // Projects, environments and folders, as the SDK exposes them.
  const project = await client.projects().create({ projectName: "Node SDK", type: "secret-manager", slug: "node-sdk" });
  check(project.id && project.slug === "node-sdk" && project.name === "Node SDK", "a project is created (/api/v2/workspace)");
  const invited = await client.projects().inviteMembers({ projectId: project.id, emails: [process.env.SLUICE_ADMIN_EMAIL], roleSlugs: ["viewer"] });
  check(invited.length === 1 && invited[0].projectId === project.id && invited[0].userId, "a user is added to the project (/api/v2/workspace/{id}/memberships)");
  const env = await client.environments().create({ projectId: project.id, name: "QA", slug: "qa", position: 4 });
  check(env.slug === "qa" && env.name === "QA" && env.id, "an environment is created (/api/v1/workspace/{id}/environments)");
  const folder = await client.folders().create({ projectId: project.id, environment: "qa", name: "svc", path: "/" });
  check(folder.name === "svc" && folder.id, "a folder is created (/api/v1/folders)");
  await client.folders().create({ projectId: project.id, environment: "qa", name: "inner", path: "/svc" });
  const top = await client.folders().listFolders({ projectId: project.id, environment: "qa", path: "/" });
  check(top.map((f) => f.name).join(",") === "svc", `folders are listed (${top.map((f) => f.name)})`);
  const inner = await client.folders().listFolders({ projectId: project.id, environment: "qa", path: "/svc" });
  check(inner.map((f) => f.name).join(",") === "inner", "a subfolder is listed under its parent");

  // Secrets: create, with a comment, a reference, and a value to trim.
  const created = await client.secrets().createSecret("DB_HOST", { ...AT, secretValue: "db.internal", secretComment: "primary database" });
  check(created.secret.secretKey === "DB_HOST" && created.secret.version === 1, "create returns the secret");
  check(created.secret.type === "shared", "a secret created without a type is shared");
  await client.secrets().createSecret("DB_URL", { ...AT, secretValue: "postgres://${DB_HOST}:5432/app" });
  const padded = await client.secrets().createSecret("PADDED", { ...AT, secretValue: "  padded value \t" });
  check(padded.secret.secretValue === "padded value", "surrounding whitespace is trimmed, as Infisical does");

  const listed = await client.secrets().listSecrets(AT);
  const byKey = Object.fromEntries(listed.secrets.map((s) => [s.secretKey, s]));
  check(Object.keys(byKey).sort().join(",") === "DB_HOST,DB_URL,PADDED", `list returns the folder's secrets (${Object.keys(byKey)})`);
  check(byKey.DB_URL.secretValue === "postgres://db.internal:5432/app", "references are expanded by default");
  check(byKey.DB_HOST.secretComment === "primary database", "comments come back");
  check(byKey.DB_HOST.workspace === PROJECT || byKey.DB_HOST.workspaceId === PROJECT, "secrets name their project");
  check(Array.isArray(byKey.DB_HOST.tags), "secrets carry a tag list");

  const raw = await client.secrets().listSecrets({ ...AT, expandSecretReferences: false });
  check(raw.secrets.find((s) => s.secretKey === "DB_URL").secretValue === "postgres://${DB_HOST}:5432/app",
    "references stay as written without expansion");

  // Imports.
  const withImports = await client.secrets().listSecretsWithImports(AT);
  const shared = withImports.find((s) => s.secretKey === "SHARED_TOKEN");
  check(shared && shared.secretValue === "tok-123", "listSecretsWithImports merges the imported secrets");
  const imported = await client.secrets().listSecrets({ ...AT, includeImports: true });
  check(imported.imports.length === 1 && imported.imports[0].environment === "staging" && imported.imports[0].secretPath === "/shared",
    "imports name where they come from");
  delete process.env.SHARED_TOKEN;
  await client.secrets().listSecrets({ ...AT, includeImports: true, attachToProcessEnv: true });
  check(process.env.SHARED_TOKEN === "tok-123" && process.env.DB_HOST === "db.internal", "attachToProcessEnv sets own and imported secrets");
  const viaImport = await client.secrets().getSecret({ ...AT, secretName: "SHARED_TOKEN", includeImports: true });
  check(viaImport.secretValue === "tok-123", "get finds a secret through the folder's imports");

  // Get, update, rename, delete.
  let got = await client.secrets().getSecret({ ...AT, secretName: "DB_URL" });
  check(got.secretValue === "postgres://db.internal:5432/app", "get expands references");
  const hidden = await client.secrets().getSecret({ ...AT, secretName: "DB_HOST", viewSecretValue: false });
  check(hidden.secretValueHidden === true && hidden.secretValue !== "db.internal", "viewSecretValue: false hides the value");
  const updated = await client.secrets().updateSecret("DB_HOST", { ...AT, secretValue: "db2.internal" });
  check(updated.secret.version === 2, "update bumps the version");
  got = await client.secrets().getSecret({ ...AT, secretName: "DB_URL" });
  check(got.secretValue === "postgres://db2.internal:5432/app", "a referencing secret sees the update");
  const old = await client.secrets().getSecret({ ...AT, secretName: "DB_HOST", version: 1 });
  check(old.secretValue === "db.internal", "a past version is read with version");
  const renamed = await client.secrets().updateSecret("DB_URL", { ...AT, newSecretName: "DATABASE_URL" });
  check(renamed.secret.secretKey === "DATABASE_URL", "update can rename");
  const deleted = await client.secrets().deleteSecret("DATABASE_URL", AT);
  check(deleted.secret.secretKey === "DATABASE_URL", "delete returns the deleted secret");
  const left = await client.secrets().listSecrets(AT);
  check(left.secrets.map((s) => s.secretKey).sort().join(",") === "DB_HOST,PADDED", "the deleted secret is gone");
  const gone = await failure(() => client.secrets().getSecret({ ...AT, secretName: "DATABASE_URL" }), "getting a deleted secret fails");
  check(/not found/i.test(gone.message), `getting a deleted secret fails with our message (${gone.message})`);

  // Renaming a secret another one references never breaks a read: the reference stays as written.
  await client.secrets().createSecret("REF_TARGET", { ...AT, secretValue: "target" });
  await client.secrets().createSecret("REF_USER", { ...AT, secretValue: "uses ${REF_TARGET}" });
  await client.secrets().updateSecret("REF_TARGET", { ...AT, newSecretName: "REF_RENAMED" });
  const afterRename = await client.secrets().listSecrets(AT);
  const user = afterRename.secrets.find((s) => s.secretKey === "REF_USER");
  check(user && user.secretValue === "uses ${REF_TARGET}", "after renaming a referenced secret the list still reads, the reference as written");
  const userAlone = await client.secrets().getSecret({ ...AT, secretName: "REF_USER" });
  check(userAlone.secretValue === "uses ${REF_TARGET}", "and so does a single read");

  // Tags: the SDK has no tag calls, so the tag is made over HTTP with the SDK's own token;
  // tagIds on create and tagSlugs on lists go through the SDK.
  const made = await fetch(`${URL}/api/v1/workspace/${PROJECT}/tags`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${client.auth().getAccessToken()}` },
    body: JSON.stringify({ slug: "payments", color: "#22c55e" }),
  });
  check(made.ok, `a tag is created (${made.status})`);
  const tag = (await made.json()).workspaceTag;
  await client.secrets().createSecret("TAGGED", { ...AT, secretValue: "t", tagIds: [tag.id] });
  const tagged = await client.secrets().listSecrets({ ...AT, tagSlugs: ["payments"] });
  check(tagged.secrets.map((s) => s.secretKey).join(",") === "TAGGED", `tagSlugs filters the list (${tagged.secrets.map((s) => s.secretKey)})`);
  check(tagged.secrets[0].tags.length === 1 && tagged.secrets[0].tags[0].slug === "payments", "the secret carries its tag");

  // What the SDK shows for a route Sluice does not have (Infisical's KMS).
  const unknown = await failure(
    () => client.kms().keys().create({ projectId: PROJECT, name: "k", keyUsage: "encrypt-decrypt", encryptionAlgorithm: "aes-256-gcm" }),
    "an unknown route fails",
  );
  console.log(`unknown route, as the SDK shows it: ${unknown.name}: ${unknown.message}`);
  check(typeof unknown.message === "string" && unknown.message.trim().length > 0 && /404/.test(unknown.message),
    "an unknown route's error is not blank and says 404");
  check(/Route POST:\/api\/v1\/kms\/keys not found: Key management \(KMS\) is not available in Sluice/.test(unknown.message),
    "the SDK shows Sluice's message for it");

  console.log("all checks passed");
}

main().catch((e) => {
  console.error(`FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
