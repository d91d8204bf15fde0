-- Project tags (Infisical's secret tags) and the link of secrets to them. Deleting a tag
-- or a secret removes its links; deleting the project removes its tags.
CREATE TABLE secret_tags (
    id                     TEXT PRIMARY KEY,
    project_id             TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    slug                   TEXT NOT NULL,
    color                  TEXT,
    created_by             TEXT,
    created_by_actor_type  TEXT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE UNIQUE INDEX secret_tags_project_slug ON secret_tags(project_id, slug);

CREATE TABLE secret_tag_links (
    secret_id  TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
    tag_id     TEXT NOT NULL REFERENCES secret_tags(id) ON DELETE CASCADE,
    PRIMARY KEY (secret_id, tag_id)
);
CREATE INDEX secret_tag_links_tag ON secret_tag_links(tag_id);
