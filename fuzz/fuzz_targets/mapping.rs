#![no_main]
//! Arbitrary text as a mapping set (native TOML or a Graph synchronizationSchema, scoping
//! filters included): loading, compiling and checking it never panics.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = entramap::Options::default();
    let Ok(loaded) = entramap::mapping::parse_any(text, "fuzz", &options) else { return };
    let _ = entramap::provision::check::check_set(&loaded.set, &options);
    if let Ok(engine) = entramap::provision::Engine::new(&loaded.set, &options) {
        let user = serde_json::json!({
            "objectId": "1", "userPrincipalName": "a@contoso.com", "accountEnabled": true,
            "department": "IT", "country": "Germany", "jobTitle": "x"
        });
        let mut state = entramap::provision::RunState::default();
        let _ = engine.provision(
            entramap::ResourceKind::User,
            1,
            user.as_object().unwrap(),
            &mut state,
        );
    }
});
