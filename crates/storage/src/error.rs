//! Storage errors: the one error type of this layer.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A uniqueness rule was broken; `constraint` names the index when the driver says.
    #[error("conflict with an existing row ({constraint})")]
    Conflict { constraint: String },
    /// A row this change depends on is missing or still referenced.
    #[error("foreign key violation ({constraint})")]
    ForeignKey { constraint: String },
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Config(String),
    /// Stored data that does not decode (a corrupt row or a bug).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Text the database cannot store: PostgreSQL refuses the NUL character in text.
    #[error("a text value contains the NUL character (\\u0000), which the database cannot store")]
    UnstorableText,
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            let constraint = db.constraint().map(str::to_string).unwrap_or_else(|| db.message().to_string());
            if db.is_unique_violation() {
                return Self::Conflict { constraint };
            }
            if db.is_foreign_key_violation() {
                return Self::ForeignKey { constraint };
            }
            // PostgreSQL's character_not_in_repertoire: a NUL in a text parameter.
            if db.code().as_deref() == Some("22021") {
                return Self::UnstorableText;
            }
        }
        Self::Database(e)
    }
}

impl StorageError {
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }

    /// A stored row that does not decode into its types (a word or an id this build does
    /// not know, settings that no longer validate): retrying cannot fix it.
    pub fn is_undecodable(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_)) | Self::Corrupt(_))
    }
}
