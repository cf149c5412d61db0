//! Embedded handles authenticated as ACL users.

use emu::{ErrorKind, Redis, Value};

fn run(r: &Redis, args: &[&str]) -> emu::Result<Value> {
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    r.execute(&argv)
}

#[test]
fn options_username_password_authenticates_and_restricts() {
    let addr = format!("acl-embedded-{}", std::process::id());
    let admin = Redis::options().host(&addr).port(7001).connect().unwrap();
    let set = |args: &[&str]| run(&admin, args);
    set(&[
        "ACL",
        "SETUSER",
        "app",
        "on",
        ">secret",
        "~app:*",
        "+get",
        "+set",
        "+acl|whoami",
    ])
    .unwrap();
    admin.set("app:1", "v").unwrap();
    admin.set("other", "v").unwrap();

    let app = Redis::options()
        .host(&addr)
        .port(7001)
        .username("app")
        .password("secret")
        .connect()
        .unwrap();
    let who: String = app.cmd("ACL").arg("WHOAMI").query().unwrap();
    assert_eq!(who, "app");
    assert_eq!(
        app.get::<_, Option<String>>("app:1").unwrap().as_deref(),
        Some("v")
    );
    let e = app.get::<_, Option<String>>("other").unwrap_err();
    assert_eq!(
        e.to_string(),
        "NOPERM this user has no permissions to access one of the keys used as arguments"
    );
    let e = run(&app, &["DEL", "app:1"]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "NOPERM this user has no permissions to run the 'del' command"
    );
    // A handle made from it keeps its user.
    let app2 = app.with_db(0);
    assert!(run(&app2, &["DEL", "app:1"]).is_err());

    // Wrong password: WRONGPASS at connect.
    let bad = Redis::options()
        .host(&addr)
        .port(7001)
        .username("app")
        .password("nope")
        .connect();
    let Err(e) = bad else {
        panic!("wrong password accepted")
    };
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(
        e.to_string(),
        "WRONGPASS invalid username-password pair or user is disabled."
    );

    // The URL form too.
    let via_url = emu::from_url(&format!("emu://app:secret@{addr}:7001")).unwrap();
    let who: String = via_url.cmd("ACL").arg("WHOAMI").query().unwrap();
    assert_eq!(who, "app");

    // Permissions change at once for the authenticated handle.
    set(&["ACL", "SETUSER", "app", "+del"]).unwrap();
    assert_eq!(run(&app, &["DEL", "app:1"]).unwrap(), Value::Int(1));
    // A deleted user: the handle falls back to an unauthenticated `default` (no password
    // here, so it runs as default).
    set(&["ACL", "DELUSER", "app"]).unwrap();
    let who: String = app.cmd("ACL").arg("WHOAMI").query().unwrap();
    assert_eq!(who, "default");
}

#[test]
fn default_user_fast_path_and_requirepass() {
    let r = Redis::new();
    // The default user can do anything: no ACL LOG entries, no refusals.
    r.set("k", "v").unwrap();
    let log: emu::Value = r.cmd("ACL").arg("LOG").query().unwrap();
    assert_eq!(log, emu::Value::Array(vec![]));
    // requirepass is the default user's password.
    run(&r, &["CONFIG", "SET", "requirepass", "pw"]).unwrap();
    let d = run(&r, &["ACL", "GETUSER", "default"]).unwrap();
    let text = format!("{d:?}");
    assert!(
        text.contains(&emu::acl::user::hash_password(b"pw")),
        "{text}"
    );
    assert!(!text.contains("nopass"), "{text}");
    run(&r, &["CONFIG", "SET", "requirepass", ""]).unwrap();
    let d = run(&r, &["ACL", "GETUSER", "default"]).unwrap();
    assert!(format!("{d:?}").contains("nopass"));
}

#[test]
fn genpass_is_random_hex_of_the_asked_size() {
    let r = Redis::new();
    let a = run(&r, &["ACL", "GENPASS"]).unwrap();
    let b = run(&r, &["ACL", "GENPASS"]).unwrap();
    let (Value::Bulk(a), Value::Bulk(b)) = (a, b) else {
        panic!("bulk replies")
    };
    assert_eq!(a.len(), 64);
    assert!(a
        .iter()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_ne!(a, b, "two passwords differ");
    // A fresh store with the same seed does not repeat them.
    let c = run(&Redis::new(), &["ACL", "GENPASS"]).unwrap();
    assert_ne!(Value::Bulk(a), c);
    let Value::Bulk(short) = run(&r, &["ACL", "GENPASS", "5"]).unwrap() else {
        panic!()
    };
    assert_eq!(short.len(), 2);
}
