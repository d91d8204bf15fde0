//! The API's routes, with their OpenAPI description written only when someone asks for it.
//!
//! utoipa-axum builds each operation's description while the route is registered, so every
//! start built the whole document (about 150 operations and their schemas) to serve it
//! perhaps never. That work touched 3.5 MiB of code and left about 9 MiB of freed heap
//! that glibc keeps, a third of an idle server's memory (docs/benchmarks.md). Here a route
//! keeps, beside its handlers, a function that describes it; [`Description::write`] calls
//! them when the document is first requested.
//!
//! Features register their handlers with [`crate::routes!`], which takes the same list as
//! `utoipa_axum::routes!`, on an [`ApiRouter`].

use axum::Router;
use axum::routing::MethodRouter;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

/// Describes one `routes!` group the way utoipa-axum does, when called.
pub type Describe<S> = fn() -> UtoipaMethodRouter<S>;

/// The handlers of one path (or of several paths sharing them, as utoipa-axum allows).
pub struct Routes<S> {
    paths: Vec<String>,
    handlers: MethodRouter<S>,
    describe: Describe<S>,
}

impl<S> Routes<S> {
    /// Used by [`crate::routes!`].
    pub fn new(paths: Vec<String>, handlers: MethodRouter<S>, describe: Describe<S>) -> Self {
        Self { paths, handlers, describe }
    }
}

/// An axum router that remembers how to describe its routes.
pub struct ApiRouter<S> {
    router: Router<S>,
    described: Vec<Describe<S>>,
}

impl<S: Clone + Send + Sync + 'static> Default for ApiRouter<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> ApiRouter<S> {
    pub fn new() -> Self {
        Self { router: Router::new(), described: Vec::new() }
    }

    /// Serves the handlers at their path; as utoipa-axum, the whole group is served at
    /// each distinct path its handlers name.
    pub fn routes(mut self, routes: Routes<S>) -> Self {
        let mut paths = routes.paths;
        paths.sort();
        paths.dedup();
        for path in &paths {
            let path = if path.is_empty() { "/" } else { path.as_str() };
            self.router = self.router.route(path, routes.handlers.clone());
        }
        self.described.push(routes.describe);
        self
    }

    pub fn merge(mut self, other: ApiRouter<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.described.extend(other.described);
        self
    }

    /// The router to serve, and what writes its document.
    pub fn split_for_parts(self) -> (Router<S>, Description<S>) {
        (self.router, Description { described: self.described })
    }
}

/// What writes the OpenAPI document of a router's routes.
#[derive(Clone)]
pub struct Description<S> {
    described: Vec<Describe<S>>,
}

impl<S: Clone + Send + Sync + 'static> Description<S> {
    /// The document: [`crate::http::openapi::ApiDoc`] with every route described, in the
    /// order they were registered.
    pub fn write(&self) -> utoipa::openapi::OpenApi {
        let router = self
            .described
            .iter()
            .fold(OpenApiRouter::with_openapi(crate::http::openapi::ApiDoc::openapi()), |router, describe| {
                router.routes(describe())
            });
        router.split_for_parts().1
    }
}

/// `routes!(handler, ...)`: the handlers of one path, as `utoipa_axum::routes!` takes them,
/// registered without describing them. Each handler's path and methods come from its
/// `#[utoipa::path]` attribute, so the served route and the documented one are the same.
#[macro_export]
macro_rules! routes {
    // Handlers are taken as plain tokens (`h::list`), not as `path` fragments: utoipa-axum
    // reads the module path of each one apart to name its `__path_` type.
    ( $( $first:ident $( :: $rest:ident )* ),+ $(,)? ) => {{
        #[allow(unused_imports)]
        use ::utoipa_axum::PathItemExt as _;
        let mut handlers = ::axum::routing::MethodRouter::new();
        let mut paths = ::std::vec::Vec::new();
        $(
            let methods = ::utoipa_axum::routes!( @path [methods()] of $first $( :: $rest )* );
            handlers = methods.iter().fold(handlers, |handlers, method| {
                handlers.on(method.to_method_filter(), $first $( :: $rest )*)
            });
            paths.push(::std::string::String::from(::utoipa_axum::routes!( @path [path()] of $first $( :: $rest )* )));
        )+
        $crate::http::routes::Routes::new(paths, handlers, || ::utoipa_axum::routes!( $( $first $( :: $rest )* ),+ ))
    }};
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use tower::ServiceExt;

    #[utoipa::path(get, path = "/x", responses((status = 200)))]
    async fn get_x() -> &'static str {
        "get x"
    }

    #[utoipa::path(post, path = "/x", responses((status = 200)))]
    async fn post_x() -> &'static str {
        "post x"
    }

    #[utoipa::path(get, path = "/y/{id}", params(("id" = String, Path)), responses((status = 200)))]
    async fn get_y() -> &'static str {
        "get y"
    }

    fn router() -> ApiRouter<()> {
        ApiRouter::new().routes(crate::routes!(get_x, post_x)).merge(ApiRouter::new().routes(crate::routes!(get_y)))
    }

    #[tokio::test]
    async fn what_is_served_is_what_is_described() {
        let (served, description) = router().split_for_parts();
        let cases = [
            (Method::GET, "/x", StatusCode::OK),
            (Method::POST, "/x", StatusCode::OK),
            (Method::GET, "/y/7", StatusCode::OK),
            (Method::PUT, "/x", StatusCode::METHOD_NOT_ALLOWED),
            (Method::GET, "/z", StatusCode::NOT_FOUND),
        ];
        for (method, uri, want) in cases {
            let request = Request::builder().method(method.clone()).uri(uri).body(Body::empty()).expect("request");
            let got = served.clone().oneshot(request).await.expect("answer").status();
            assert_eq!(got, want, "{method} {uri}");
        }
        let doc = description.write();
        let described: Vec<(String, bool, bool)> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| (path.clone(), item.get.is_some(), item.post.is_some()))
            .collect();
        assert_eq!(described, [("/x".to_string(), true, true), ("/y/{id}".to_string(), true, false)]);
        assert_eq!(doc.info.title, "Sluice API", "the document starts from ApiDoc");
    }
}
