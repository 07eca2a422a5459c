#![no_main]
//! Arbitrary request bodies to each of the workbench's handlers: every request is answered
//! with a status (a 5xx only when the pool is busy), never a panic.
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

fn workbench() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static SERVED: OnceLock<(tokio::runtime::Runtime, axum::Router)> = OnceLock::new();
    SERVED.get_or_init(|| {
        let options = entramap::Options::default();
        let loaded = entramap::mapping::load("code42", &options).unwrap();
        let workbench = entramap::serve::Workbench::new(options, loaded, Vec::new()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (runtime, entramap::serve::router(Arc::new(workbench)))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    let (method, path) = match which % 6 {
        0 => ("POST", "/api/check"),
        1 => ("POST", "/api/eval"),
        2 => ("POST", "/api/parseExpression"),
        3 => ("POST", "/api/map"),
        4 => ("GET", "/api/mapping?name=scim-default"),
        _ => ("GET", "/api/users"),
    };
    let (runtime, router) = workbench();
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:8177")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_vec()))
        .unwrap();
    let response = runtime.block_on(router.clone().oneshot(request)).unwrap();
    let status = response.status().as_u16();
    assert!(status < 500 || status == 503, "{path}: {status}");
});
