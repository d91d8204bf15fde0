//! Tags on secrets: `tagIds` on writes (checked against the project's tags, then linked in
//! the write's transaction), `tags` on every secret object, and the `tagSlugs` list filter
//! (a secret is listed when it carries any of the slugs).

use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use sluice_api_types::secrets::{SecretOut, TagOut};
use sluice_domain::{FolderId, ProjectId, SecretId, TagId};
use sluice_storage::Conn;
use sluice_storage::tags::{self, TagRow};
use std::collections::{BTreeSet, HashMap};

/// `tagIds` as given: `None` when absent (an update then keeps the secret's tags).
/// `field` names the list (`body.tagIds`); a bad id names its index.
pub fn tag_ids_in(raw: Option<&Vec<String>>, field: &str) -> ApiResult<Option<Vec<TagId>>> {
    let Some(raw) = raw else { return Ok(None) };
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let id = parse_id(r, &format!("{field}[{i}]"), TagId::parse)?;
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    Ok(Some(out))
}

/// Links `secret` to exactly `ids` when given. Every id must be a tag of `project`;
/// another project's tag is refused like one that does not exist.
pub async fn link(
    conn: &mut Conn,
    project: &ProjectId,
    secret: &SecretId,
    ids: Option<&[TagId]>,
    field: &str,
) -> ApiResult<()> {
    let Some(ids) = ids else { return Ok(()) };
    for (i, id) in ids.iter().enumerate() {
        let found = tags::get(conn, id).await?.filter(|t| &t.project_id == project);
        if found.is_none() {
            return Err(ApiError::invalid(
                format!("{field}[{i}]"),
                format!("Tag with ID '{id}' not found in this project"),
            ));
        }
    }
    tags::set_for_secret(conn, secret, ids).await?;
    Ok(())
}

/// A tag as a secret object carries it.
pub fn tag_out(t: &TagRow) -> TagOut {
    TagOut { id: t.id.to_string(), slug: t.slug.clone(), name: t.slug.clone(), color: t.color.clone() }
}

/// Fills `tags` of each secret object from storage (one query per 500 secrets).
pub async fn fill(conn: &mut Conn, outs: &mut [SecretOut]) -> ApiResult<()> {
    if outs.is_empty() {
        return Ok(());
    }
    let ids: Vec<SecretId> = outs.iter().map(|o| SecretId::from_trusted(o.id.clone())).collect();
    let mut by_secret = tags::of_secrets(conn, &ids).await?;
    for out in outs.iter_mut() {
        if let Some(found) = by_secret.remove(&SecretId::from_trusted(out.id.clone())) {
            out.tags = found.iter().map(tag_out).collect();
        }
    }
    Ok(())
}

/// Fills `tags` of secret objects that all belong to `folders`, one query per folder (a
/// list of a folder's 500 secrets need not name each one).
pub async fn fill_from_folders(conn: &mut Conn, folders: &[FolderId], outs: &mut [SecretOut]) -> ApiResult<()> {
    if outs.is_empty() {
        return Ok(());
    }
    let mut by_secret = HashMap::new();
    for folder in folders {
        by_secret.extend(tags::of_folder(conn, folder).await?);
    }
    for out in outs.iter_mut() {
        if let Some(found) = by_secret.remove(&SecretId::from_trusted(out.id.clone())) {
            out.tags = found.iter().map(tag_out).collect();
        }
    }
    Ok(())
}

/// The slugs of a `tagSlugs` filter; empty means no filter.
pub fn slugs_in(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Whether a secret object passes a `tagSlugs` filter (any of the slugs).
pub fn passes(out: &SecretOut, slugs: &[String]) -> bool {
    slugs.is_empty() || out.tags.iter().any(|t| slugs.contains(&t.slug))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_ids_dedupe_and_name_the_bad_index() {
        let id = TagId::new().to_string();
        let got = tag_ids_in(Some(&vec![id.clone(), id.clone()]), "body.tagIds").expect("ok").expect("some");
        assert_eq!(got.len(), 1);
        let err = tag_ids_in(Some(&vec![id, "nope".into()]), "body.tagIds").expect_err("bad");
        assert!(err.to_string().contains("body.tagIds[1]"), "{err}");
        assert!(tag_ids_in(None, "body.tagIds").expect("ok").is_none());
    }

    #[test]
    fn slugs_split_on_commas_and_skip_blanks() {
        assert_eq!(slugs_in(Some(" a, ,b,")), vec!["a".to_string(), "b".to_string()]);
        assert!(slugs_in(None).is_empty());
    }
}
