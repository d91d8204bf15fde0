"""Drives a running Sluice server with Infisical's official Python SDK (infisicalsdk==1.0.18).

Called by the Rust test `python_sdk` with SLUICE_URL, SLUICE_CLIENT_ID, SLUICE_CLIENT_SECRET
and SLUICE_PROJECT_ID set. The project's `staging` environment already holds /shared
with SHARED_TOKEN, and dev:/app imports it. Exits non-zero on the first failed check.
"""

import os
import sys

from infisical_sdk import InfisicalSDKClient

URL = os.environ["SLUICE_URL"]
PROJECT = os.environ["SLUICE_PROJECT_ID"]


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


client = InfisicalSDKClient(host=URL, cache_ttl=None)
login = client.auth.universal_auth.login(
    client_id=os.environ["SLUICE_CLIENT_ID"], client_secret=os.environ["SLUICE_CLIENT_SECRET"]
)
check(login.accessToken and not login.accessToken.startswith("st."), "universal-auth login returns a bearer token")
check(login.tokenType == "Bearer" and login.expiresIn > 0, "login response has Infisical's fields")

folder = client.folders.create_folder(name="extra", environment_slug="dev", project_id=PROJECT, path="/app")
check(folder.name == "extra", "folder created through /api/v2/folders")

created = client.secrets.create_secret_by_name(
    secret_name="DB_HOST", project_id=PROJECT, environment_slug="dev", secret_path="/app",
    secret_value="db.internal", secret_comment="primary database",
)
check(created.secretKey == "DB_HOST" and created.version == 1, "create returns the secret")
client.secrets.create_secret_by_name(
    secret_name="DB_URL", project_id=PROJECT, environment_slug="dev", secret_path="/app",
    secret_value="postgres://${DB_HOST}:5432/app",
)

listed = client.secrets.list_secrets(
    project_id=PROJECT, environment_slug="dev", secret_path="/app",
    expand_secret_references=True, include_imports=True,
)
by_key = {s.secretKey: s for s in listed.secrets}
check(set(by_key) == {"DB_HOST", "DB_URL"}, "list returns the folder's secrets")
check(by_key["DB_URL"].secretValue == "postgres://db.internal:5432/app", "references are expanded in list")
check(by_key["DB_HOST"].secretComment == "primary database", "comments come back")
# SDK 1.0.18 builds Import objects but leaves their secrets as plain dicts.
imported = [s["secretKey"] if isinstance(s, dict) else s.secretKey
            for imp in listed.imports for s in imp.secrets]
check("SHARED_TOKEN" in imported, "imports carry the imported folder's secrets")

raw = client.secrets.list_secrets(
    project_id=PROJECT, environment_slug="dev", secret_path="/app", expand_secret_references=False,
)
check({s.secretKey: s.secretValue for s in raw.secrets}["DB_URL"] == "postgres://${DB_HOST}:5432/app",
      "references stay as written without expansion")

got = client.secrets.get_secret_by_name(
    secret_name="DB_URL", project_id=PROJECT, environment_slug="dev", secret_path="/app",
)
check(got.secretValue == "postgres://db.internal:5432/app", "get expands references")

updated = client.secrets.update_secret_by_name(
    current_secret_name="DB_HOST", project_id=PROJECT, environment_slug="dev", secret_path="/app",
    secret_value="db2.internal",
)
check(updated.version == 2, "update bumps the version")
got = client.secrets.get_secret_by_name(
    secret_name="DB_URL", project_id=PROJECT, environment_slug="dev", secret_path="/app",
)
check(got.secretValue == "postgres://db2.internal:5432/app", "a referencing secret sees the update")

renamed = client.secrets.update_secret_by_name(
    current_secret_name="DB_URL", project_id=PROJECT, environment_slug="dev", secret_path="/app",
    new_secret_name="DATABASE_URL",
)
check(renamed.secretKey == "DATABASE_URL", "update can rename")

deleted = client.secrets.delete_secret_by_name(
    secret_name="DATABASE_URL", project_id=PROJECT, environment_slug="dev", secret_path="/app",
)
check(deleted.secretKey == "DATABASE_URL", "delete returns the deleted secret")
left = client.secrets.list_secrets(project_id=PROJECT, environment_slug="dev", secret_path="/app")
check([s.secretKey for s in left.secrets] == ["DB_HOST"], "the deleted secret is gone")

try:
    client.secrets.get_secret_by_name(
        secret_name="DATABASE_URL", project_id=PROJECT, environment_slug="dev", secret_path="/app",
    )
    check(False, "getting a deleted secret fails")
except Exception as e:  # the SDK raises its own error carrying our message
    check("not found" in str(e).lower(), f"getting a deleted secret fails with our message ({e})")

print("all checks passed")
