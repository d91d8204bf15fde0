//! What every page shares: the layout's data ([`Chrome`]), one-time flash messages,
//! errors shown as pages, form errors, and the headers every page carries.

use super::guard::Signed;
use crate::error::{ApiError, LoggedError};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// What `next=` and the flash cookie escape: all but unreserved URL characters.
pub(super) const ESCAPE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Cookie carrying a message to show on the next page (after a redirect).
const FLASH_COOKIE: &str = "sluice_flash";

/// Headers of every page: never cached (pages can show secret values), never framed,
/// scripts and styles only from this server.
pub fn page_headers() -> [(HeaderName, HeaderValue); 5] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
            ),
        ),
    ]
}

/// The kind of a flash message (its colour).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    Success,
    Info,
    Error,
}

impl FlashKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Info => "info",
            Self::Error => "error",
        }
    }
}

/// A message shown once, on the page after a redirect.
#[derive(Clone, Debug)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

impl Flash {
    pub fn from_headers(headers: &HeaderMap) -> Option<Flash> {
        let raw = crate::ui::cookie(headers, FLASH_COOKIE)?;
        let text = percent_decode_str(&raw).decode_utf8().ok()?;
        let (kind, message) = text.split_once(':')?;
        let kind = match kind {
            "success" => FlashKind::Success,
            "error" => FlashKind::Error,
            _ => FlashKind::Info,
        };
        Some(Flash { kind, message: message.chars().take(500).collect() })
    }
}

/// A section of the main navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Projects,
    Connections,
    LoginLocks,
}

/// A project's own navigation (shown under the project's name).
#[derive(Clone, Debug)]
pub struct ProjectNav {
    pub id: String,
    pub name: String,
    /// `secrets`, `integrations` or `notifications`.
    pub tab: &'static str,
}

/// What the layout needs: who is signed in, where they are, the CSRF token for the
/// sign-out form, and the flash message to show.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub user: String,
    pub csrf: String,
    pub section: Section,
    pub flash: Option<Flash>,
    pub project: Option<ProjectNav>,
    pub title: String,
    /// A refused form was carried to this request ([`super::carry`]): the page clears it.
    pub carried: bool,
    /// The navigation shows the organization pages (sign-in locks): an admin is signed in.
    pub admin: bool,
}

impl Chrome {
    pub fn new(signed: &Signed, section: Section, title: impl Into<String>) -> Chrome {
        Chrome {
            user: signed.actor.name.clone(),
            csrf: signed.csrf.clone(),
            section,
            flash: signed.flash.clone(),
            project: None,
            title: title.into(),
            carried: signed.carried.is_some(),
            admin: signed.admin,
        }
    }

    pub fn in_project(mut self, id: &str, name: &str, tab: &'static str) -> Chrome {
        self.project = Some(ProjectNav { id: id.to_string(), name: name.to_string(), tab });
        self
    }

    pub fn is(&self, section: &str) -> bool {
        matches!(
            (self.section, section),
            (Section::Projects, "projects")
                | (Section::Connections, "connections")
                | (Section::LoginLocks, "login-locks")
        )
    }

    pub fn asset(&self, name: &str) -> String {
        super::assets::url(name)
    }

    /// The user's initial, for the avatar.
    pub fn initial(&self) -> String {
        self.user.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()
    }
}

/// Renders a page with its headers, clearing the flash cookie once it was shown.
pub fn render<T: IntoResponse>(chrome: &Chrome, tpl: T) -> Response {
    render_status(chrome, StatusCode::OK, tpl)
}

/// [`render`] with a status (a form shown again with its errors answers 422).
pub fn render_status<T: IntoResponse>(chrome: &Chrome, status: StatusCode, tpl: T) -> Response {
    let mut resp = (status, page_headers(), tpl).into_response();
    if chrome.flash.is_some()
        && let Ok(v) = HeaderValue::from_str(&format!("{FLASH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    if chrome.carried
        && let Some(v) = super::carry::clear()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// 303 to `to`, leaving a message for the next page.
pub fn redirect_with(to: &str, kind: FlashKind, message: &str) -> Response {
    let value = utf8_percent_encode(&format!("{}:{message}", kind.as_str()), ESCAPE).to_string();
    let mut resp = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{FLASH_COOKIE}={value}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Marks an error page with what it says, so a failed form post can show it on the form's
/// own page instead ([`super::guard::forms`]).
#[derive(Clone, Debug)]
pub struct ShownError(pub String);

/// A failure shown to a person.
#[derive(Debug)]
pub enum UiError {
    /// Not signed in (or the session ended): go to the sign-in page, then back.
    SignIn { next: Option<String> },
    /// The form's CSRF token is missing or belongs to another session.
    StaleForm,
    /// A post from another site.
    CrossSite,
    /// What a service said.
    Api(ApiError),
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<sluice_storage::StorageError> for UiError {
    fn from(e: sluice_storage::StorageError) -> Self {
        Self::Api(e.into())
    }
}

pub type UiResult<T> = Result<T, UiError>;

/// An id in the page's address that is not an id at all (`/projects/x/syncs/nope`): the
/// API's `params.syncId: Invalid UUID` means nothing to a person; it is a page not found.
fn is_bad_link(e: &ApiError) -> bool {
    match e {
        ApiError::Validation { details, .. } => {
            !details.is_empty()
                && details.iter().all(|d| d.path.starts_with("params.") && d.message.starts_with("Invalid UUID"))
        }
        _ => false,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    heading: String,
    message: String,
    asset_css: String,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, heading, message, logged) = match self {
            UiError::SignIn { next } => {
                let to = match next.as_deref().filter(|n| *n != "/") {
                    Some(n) => format!("/login?next={}", utf8_percent_encode(n, ESCAPE)),
                    None => "/login".to_string(),
                };
                return Redirect::to(&to).into_response();
            }
            UiError::StaleForm => (
                StatusCode::FORBIDDEN,
                "This form has expired".to_string(),
                "The page was open in another session or for too long. Go back, reload the page and try again."
                    .to_string(),
                "stale CSRF token".to_string(),
            ),
            UiError::CrossSite => (
                StatusCode::FORBIDDEN,
                "Request refused".to_string(),
                "This form was sent from another site. Forms of Sluice are only accepted from Sluice's own pages."
                    .to_string(),
                "cross-site form post".to_string(),
            ),
            UiError::Api(e) if is_bad_link(&e) => (
                StatusCode::NOT_FOUND,
                "Not found".to_string(),
                "Nothing is at this address: the link is mistyped or out of date.".to_string(),
                e.to_string(),
            ),
            UiError::Api(e) => {
                let status = e.status();
                let heading = match status {
                    StatusCode::NOT_FOUND => "Not found",
                    StatusCode::METHOD_NOT_ALLOWED => "Not a page",
                    StatusCode::FORBIDDEN => "Not allowed",
                    StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
                    _ => "That did not work",
                };
                let message = match &e {
                    ApiError::Internal(_) => {
                        "Sluice could not complete this request. The error was logged; try again.".to_string()
                    }
                    other => other.to_string(),
                };
                (status, heading.to_string(), message, e.to_string())
            }
        };
        let shown = ShownError(format!("{heading}: {message}"));
        let page = ErrorPage { status: status.as_u16(), heading, message, asset_css: super::assets::url("app.css") };
        let mut resp = (status, page_headers(), page).into_response();
        resp.extensions_mut().insert(LoggedError(logged));
        resp.extensions_mut().insert(shown);
        resp
    }
}

/// Problems with a submitted form: one message for the form, and messages per field.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FormErrors {
    pub general: Option<String>,
    pub fields: Vec<(String, String)>,
}

impl FormErrors {
    /// The errors a person can fix from the form itself; other failures (not found,
    /// internal) stay errors. `fields` maps API field paths (`body.name`) to form fields.
    pub fn from_api(e: ApiError, fields: &[(&str, &str)]) -> Result<FormErrors, UiError> {
        match e {
            ApiError::Validation { details, .. } => {
                let mut out = FormErrors::default();
                for d in details {
                    match fields.iter().find(|(api, _)| d.path == *api || d.path.starts_with(&format!("{api}."))) {
                        Some((_, form)) => out.fields.push((form.to_string(), d.message)),
                        None => out.general = Some(format!("{}: {}", d.path, d.message)),
                    }
                }
                if out.general.is_none() && !out.fields.is_empty() {
                    out.general = Some("Please correct the highlighted fields.".to_string());
                }
                Ok(out)
            }
            ApiError::BadRequest(m) | ApiError::Forbidden(m) | ApiError::BadGateway(m) => Ok(FormErrors::general(m)),
            ApiError::TooManyRequests { message, .. } => Ok(FormErrors::general(message)),
            other => Err(other.into()),
        }
    }

    pub fn general(message: impl Into<String>) -> FormErrors {
        FormErrors { general: Some(message.into()), fields: Vec::new() }
    }

    pub fn field(&mut self, name: &str, message: impl Into<String>) {
        self.fields.push((name.to_string(), message.into()));
        if self.general.is_none() {
            self.general = Some("Please correct the highlighted fields.".to_string());
        }
    }

    pub fn any(&self) -> bool {
        self.general.is_some() || !self.fields.is_empty()
    }

    /// The message for a form field, or an empty string.
    pub fn of(&self, name: &str) -> String {
        self.fields.iter().filter(|(f, _)| f == name).map(|(_, m)| m.as_str()).collect::<Vec<_>>().join("; ")
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(f, _)| f == name)
    }
}
