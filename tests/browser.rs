//! The workbench in a real headless Chromium, driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`; `.ci/run` installs them and runs this with `--features browser-tests`).
//! The steps an admin takes: type an expression with a typo and see the diagnostic; fix it
//! and see the value for a pasted user; expand the trace; pick the `code42` set and a sample
//! user and see the POST body. Each step leaves a screenshot in
//! `target/tmp/browser-test/` (not committed).

#[path = "common/workbench.rs"]
mod workbench;

use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use workbench::Served;

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: std::process::Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let child = std::process::Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start `{program}` ({e}): the browser tests need Chromium and its driver \
                     (Debian: apt-get install chromium chromium-driver; or set CHROMEDRIVER)"
                )
            });
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver) -> Client {
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": binary,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1250", "--force-device-scale-factor=1"],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session in headless Chromium")
}

/// Wait until the element's text satisfies `ok`; its text.
async fn wait_text(client: &Client, id: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(15) {
        if let Ok(element) = client.find(Locator::Id(id)).await
            && let Ok(text) = element.text().await
        {
            if ok(&text) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("#{id} never showed {what}; it shows: {last:?}");
}

async fn screenshot(client: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-test");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

/// Click the element `css` selects.
async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn replace_text(client: &Client, id: &str, text: &str) {
    let element = client.find(Locator::Id(id)).await.unwrap();
    element.clear().await.unwrap();
    element.send_keys(text).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_checks_evaluates_traces_and_maps_in_the_workbench() {
    let served = Served::start();
    let driver = Driver::start();
    let client = browser(&driver).await;
    client.goto(&served.url("/")).await.unwrap();
    wait_text(&client, "check-status", "the first check", |t| {
        !t.is_empty()
    })
    .await;

    // 1. A typo: the diagnostic, with the squiggle under the name and the suggestion.
    replace_text(&client, "expression", "ToLowr([givenName])").await;
    let diagnostics = wait_text(&client, "diagnostics", "the unknown-function error", |t| {
        t.contains("unknown function `ToLowr`")
    })
    .await;
    assert!(
        diagnostics.contains("did you mean `ToLower`?"),
        "{diagnostics}"
    );
    let squiggle = client
        .find(Locator::Css("#highlight .squiggle-error"))
        .await
        .expect("a squiggle under the error");
    assert_eq!(squiggle.text().await.unwrap(), "ToLowr");
    screenshot(&client, "1-typo.png").await;

    // 2. Fixed, with a pasted user: the value.
    replace_text(&client, "expression", "ToLower([givenName])").await;
    replace_text(
        &client,
        "user",
        r#"{"givenName": "GRACE", "surname": "Hopper"}"#,
    )
    .await;
    wait_text(&client, "result", "the value", |t| t == "grace").await;
    wait_text(&client, "diagnostics", "no diagnostics", str::is_empty).await;
    screenshot(&client, "2-value.png").await;

    // 3. The trace, expanded: each sub-expression with its value.
    click(&client, "#trace-panel > summary").await;
    let trace = wait_text(&client, "trace", "the sub-expressions", |t| {
        t.contains("ToLower([givenName])") && t.contains("\"grace\"")
    })
    .await;
    assert!(trace.contains("\"GRACE\""), "{trace}");
    screenshot(&client, "3-trace.png").await;

    // 4. The code42 set and a sample user: the POST body Entra would send.
    click(&client, "#mapping-pick option[value='code42']").await;
    click(&client, "#user-pick option[value='0']").await;
    let requests = wait_text(&client, "requests-legacy", "the POST", |t| {
        t.contains("\"method\": \"POST\"") && t.contains("alice.smith@contoso.com")
    })
    .await;
    assert!(
        requests.contains("\"userName\": \"alice.smith@contoso.com\""),
        "{requests}"
    );
    let flagged = wait_text(&client, "requests-flagged", "the other PATCH mode", |t| {
        t.contains("\"method\": \"POST\"")
    })
    .await;
    assert!(
        flagged.contains("urn:ietf:params:scim:api:messages:2.0:PatchOp"),
        "{flagged}"
    );
    // Scroll the mapping view into sight for the picture.
    client
        .execute(
            "document.getElementById('mapping-section').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&client, "4-mapping.png").await;
    client.close().await.unwrap();
}
