//! The usage examples of the project's seed document (a redis-py emulator README),
//! translated to the Rust API, each with real assertions.
//!
//! `Redis(decode_responses=True)` becomes choosing `String` as the reply type; keyword options
//! become option structs; `time.time()` and `uuid4()` become the store's manual clock and a
//! counter, so every run is identical. The seed's Pub/Sub section is translated in
//! `tests/pubsub/api.rs` (`seed_pubsub_example`), Connection Management (Redis(host, port,
//! db), password, pools, from_url, multiple databases) and Sentinel in
//! `tests/plumbing/client.rs` (`seed_*`), and the lock patterns in `tests/plumbing/lock.rs`.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use emu::{Redis, SetOptions, Value};

/// A store whose clock starts at 2024-01-01T12:00:00Z and only moves when told.
fn redis() -> Redis {
    Redis::builder().manual_clock(1_704_110_400_000).build()
}

// ------------------------------------------------------------------ Basic String Operations

#[test]
fn basic_string_operations() {
    let redis = redis();

    // Set and get values: raw bytes (redis-py's default b'john_doe')…
    let _: () = redis.set("username", "john_doe").unwrap();
    let username: Option<Vec<u8>> = redis.get("username").unwrap();
    assert_eq!(username.as_deref(), Some(&b"john_doe"[..]));
    // …or decoded (decode_responses=True).
    let username: Option<String> = redis.get("username").unwrap();
    assert_eq!(username.as_deref(), Some("john_doe"));

    // Conditional set.
    let set: bool = redis
        .set_options("key1", "value1", SetOptions::default().nx())
        .unwrap();
    assert!(set, "key1 did not exist");
    let set: bool = redis
        .set_options("key2", "value2", SetOptions::default().xx())
        .unwrap();
    assert!(!set, "key2 did not exist, so XX does nothing");
    assert_eq!(redis.get::<_, Option<String>>("key2").unwrap(), None);

    // Set with expiration.
    redis
        .set_options("session_token", "abc123", SetOptions::default().ex(3600))
        .unwrap();
    redis
        .set_options("temp_key", "data", SetOptions::default().px(5000))
        .unwrap();
    assert_eq!(redis.ttl("session_token").unwrap(), 3600);
    assert_eq!(redis.pttl("temp_key").unwrap(), 5000);
    // A key expires once the clock passes its deadline (Redis: now > when).
    redis.advance_time(Duration::from_millis(5001)).unwrap();
    assert_eq!(redis.get::<_, Option<String>>("temp_key").unwrap(), None);
    assert_eq!(
        redis
            .get::<_, Option<String>>("session_token")
            .unwrap()
            .as_deref(),
        Some("abc123")
    );

    // Increment/decrement.
    let _: () = redis.set("counter", 0).unwrap();
    assert_eq!(redis.incr("counter").unwrap(), 1);
    assert_eq!(redis.incrby("counter", 5).unwrap(), 6);
    assert_eq!(redis.decr("counter").unwrap(), 5);

    // Delete keys (key3 does not exist).
    let deleted: i64 = redis.delete(["key1", "key2", "key3"]).unwrap();
    assert_eq!(deleted, 1);

    // Check existence.
    let exists = redis.exists("username").unwrap() > 0;
    assert!(exists, "User exists");
    assert_eq!(redis.exists("key1").unwrap(), 0);
}

// ------------------------------------------------------------------ Hash Operations

#[test]
fn hash_operations() {
    let redis = redis();

    // Set hash fields.
    redis.hset("user:1000", "username", "john_doe").unwrap();
    redis
        .hset("user:1000", "email", "john@example.com")
        .unwrap();

    // Set multiple fields at once.
    let added: i64 = redis
        .hset_mapping(
            "user:1001",
            &[
                ("username", "jane_doe"),
                ("email", "jane@example.com"),
                ("age", "28"),
            ],
        )
        .unwrap();
    assert_eq!(added, 3);

    // Get single field.
    let username: Option<String> = redis.hget("user:1000", "username").unwrap();
    assert_eq!(username.as_deref(), Some("john_doe"));

    // Get all fields.
    let user_data: HashMap<String, String> = redis.hgetall("user:1000").unwrap();
    let expected: HashMap<String, String> = [
        ("username".to_string(), "john_doe".to_string()),
        ("email".to_string(), "john@example.com".to_string()),
    ]
    .into();
    assert_eq!(user_data, expected);

    // Check field existence.
    assert!(redis.hexists("user:1000", "email").unwrap());

    // Delete fields: neither 'age' nor 'phone' exists on user:1000.
    let removed: i64 = redis.hdel("user:1000", ["age", "phone"]).unwrap();
    assert_eq!(removed, 0);
    let removed: i64 = redis.hdel("user:1001", ["age", "phone"]).unwrap();
    assert_eq!(removed, 1);

    // Use case: storing user sessions.
    redis
        .hset_mapping(
            "session:abc123",
            &[
                ("user_id", "1000"),
                ("login_time", "2024-01-01T12:00:00Z"),
                ("ip_address", "192.168.1.1"),
            ],
        )
        .unwrap();
    assert!(redis.expire("session:abc123", 3600).unwrap());
    assert_eq!(redis.ttl("session:abc123").unwrap(), 3600);
    redis.advance_time(Duration::from_secs(3601)).unwrap();
    let session: HashMap<String, String> = redis.hgetall("session:abc123").unwrap();
    assert!(session.is_empty(), "the session expired after an hour");
}

// ------------------------------------------------------------------ List Operations

#[test]
fn list_operations() {
    let redis = redis();

    // Push to list (queue behaviour).
    assert_eq!(
        redis.rpush("tasks", ["task1", "task2", "task3"]).unwrap(),
        3
    );
    assert_eq!(redis.lpush("priority_tasks", "urgent_task").unwrap(), 1);

    // Pop from list.
    let task: Option<String> = redis.lpop("tasks").unwrap();
    assert_eq!(task.as_deref(), Some("task1"));
    let task: Option<String> = redis.rpop("tasks").unwrap();
    assert_eq!(task.as_deref(), Some("task3"));

    // Get range of elements.
    redis.rpush("tasks", ["task4", "task5", "task6"]).unwrap();
    let all_tasks: Vec<String> = redis.lrange("tasks", 0, -1).unwrap();
    assert_eq!(all_tasks, vec!["task2", "task4", "task5", "task6"]);
    let first_three: Vec<String> = redis.lrange("tasks", 0, 2).unwrap();
    assert_eq!(first_three, vec!["task2", "task4", "task5"]);

    // Get list length.
    let length: i64 = redis.llen("tasks").unwrap();
    assert_eq!(length, 4);

    // Use case: job queue — LPUSH then RPOP processes in arrival order.
    redis
        .lpush(
            "job_queue",
            ["process_image", "send_email", "generate_report"],
        )
        .unwrap();
    let mut processed = Vec::new();
    while redis.llen("job_queue").unwrap() > 0 {
        let job: String = redis.rpop("job_queue").unwrap();
        processed.push(job);
    }
    assert_eq!(
        processed,
        vec!["process_image", "send_email", "generate_report"]
    );
    assert_eq!(redis.exists("job_queue").unwrap(), 0);

    // Use case: activity feed — newest first.
    redis.lpush("user:1000:feed", "Posted a photo").unwrap();
    redis.lpush("user:1000:feed", "Liked a post").unwrap();
    let recent_activities: Vec<String> = redis.lrange("user:1000:feed", 0, 9).unwrap();
    assert_eq!(recent_activities, vec!["Liked a post", "Posted a photo"]);
}

// ------------------------------------------------------------------ Set Operations

#[test]
fn set_operations() {
    let redis = redis();

    // Add members to set.
    assert_eq!(
        redis.sadd("tags", ["python", "redis", "database"]).unwrap(),
        3
    );
    assert_eq!(
        redis
            .sadd("user:1000:skills", ["python", "javascript", "docker"])
            .unwrap(),
        3
    );

    // Check membership.
    assert!(redis.sismember("tags", "python").unwrap());

    // Get all members.
    let all_tags: BTreeSet<String> = redis.smembers("tags").unwrap();
    assert_eq!(
        all_tags,
        BTreeSet::from(["database".into(), "python".into(), "redis".into()])
    );

    // Remove members.
    assert_eq!(redis.srem("tags", "database").unwrap(), 1);

    // Get set size.
    let count: i64 = redis.scard("tags").unwrap();
    assert_eq!(count, 2);

    // Use case: unique visitors (a repeat visit does not count twice).
    redis
        .sadd("visitors:2024-01-01", ["user123", "user456", "user789"])
        .unwrap();
    redis.sadd("visitors:2024-01-01", "user123").unwrap();
    let daily_visitors: i64 = redis.scard("visitors:2024-01-01").unwrap();
    assert_eq!(daily_visitors, 3);

    // Use case: user followers.
    redis
        .sadd("user:1000:followers", ["user100", "user200", "user300"])
        .unwrap();
    redis
        .sadd("user:1000:following", ["user400", "user500"])
        .unwrap();
    let follower_count: i64 = redis.scard("user:1000:followers").unwrap();
    assert_eq!(follower_count, 3);
    assert_eq!(redis.scard("user:1000:following").unwrap(), 2);
}

// ------------------------------------------------------------------ Sorted Set Operations

#[test]
fn sorted_set_operations() {
    let redis = redis();

    // Add members with scores (a member → score mapping, as in redis-py).
    let added: i64 = redis
        .zadd(
            "leaderboard",
            &[
                ("player1", 1000.0),
                ("player2", 1500.0),
                ("player3", 2000.0),
                ("player4", 1200.0),
            ],
        )
        .unwrap();
    assert_eq!(added, 4);

    // Get range by rank (lowest to highest score).
    let bottom_three: Vec<String> = redis.zrange("leaderboard", 0, 2).unwrap();
    assert_eq!(bottom_three, vec!["player1", "player4", "player2"]);

    // Get range with scores.
    let top_players: Vec<(String, f64)> = redis.zrange_withscores("leaderboard", 0, 2).unwrap();
    assert_eq!(
        top_players,
        vec![
            ("player1".to_string(), 1000.0),
            ("player4".to_string(), 1200.0),
            ("player2".to_string(), 1500.0),
        ]
    );

    // Get score of specific member.
    let score: Option<f64> = redis.zscore("leaderboard", "player3").unwrap();
    assert_eq!(score, Some(2000.0));

    // Remove members.
    assert_eq!(redis.zrem("leaderboard", "player1").unwrap(), 1);
    assert_eq!(redis.zcard("leaderboard").unwrap(), 3);

    // Use case: real-time leaderboard — the top 10 (only two players here).
    redis
        .zadd(
            "game:scores",
            &[("player_a", 10500.0), ("player_b", 9800.0)],
        )
        .unwrap();
    let top_10: Vec<(String, f64)> = redis.zrange_withscores("game:scores", -10, -1).unwrap();
    assert_eq!(
        top_10,
        vec![
            ("player_b".to_string(), 9800.0),
            ("player_a".to_string(), 10500.0),
        ]
    );

    // Use case: time-based ranking with timestamps as scores.
    let now = redis.now_ms().unwrap() as f64 / 1000.0;
    redis
        .zadd(
            "recent_posts",
            &[("post123", now), ("post456", now - 3600.0)],
        )
        .unwrap();
    let latest_posts: Vec<String> = redis.zrange("recent_posts", -20, -1).unwrap();
    assert_eq!(latest_posts, vec!["post456", "post123"]);
    assert_eq!(
        redis
            .zscore::<_, _, f64>("recent_posts", "post123")
            .unwrap(),
        now
    );
}

// ------------------------------------------------------------------ Key Expiration

#[test]
fn key_expiration() {
    let redis = redis();

    // Set expiration in seconds.
    let _: () = redis.set("verification_code", "123456").unwrap();
    assert!(redis.expire("verification_code", 300).unwrap());

    // Set expiration in milliseconds.
    let _: () = redis.set("rate_limit", "100").unwrap();
    assert!(redis.pexpire("rate_limit", 60000).unwrap());

    // Check time to live.
    redis.advance_time(Duration::from_secs(100)).unwrap();
    let ttl: i64 = redis.ttl("verification_code").unwrap();
    assert_eq!(ttl, 200, "Key expires in 200 seconds");
    assert_eq!(
        redis.pttl("rate_limit").unwrap(),
        -2,
        "rate_limit expired at 60 s"
    );

    // Remove expiration.
    assert!(redis.persist("verification_code").unwrap());
    assert_eq!(redis.ttl("verification_code").unwrap(), -1);
    redis.advance_time(Duration::from_secs(1000)).unwrap();
    assert_eq!(
        redis.get::<_, String>("verification_code").unwrap(),
        "123456",
        "the key no longer expires"
    );

    // Set key with expiration in one command.
    redis
        .set_options("temp_token", "xyz789", SetOptions::default().ex(3600))
        .unwrap();
    assert_eq!(redis.ttl("temp_token").unwrap(), 3600);

    // Use case: session management — a 30-minute session.
    redis
        .hset_mapping("session:abc123", &[("user_id", "1000")])
        .unwrap();
    assert!(redis.expire("session:abc123", 1800).unwrap());
    redis.advance_time(Duration::from_secs(1800)).unwrap();
    assert_eq!(redis.exists("session:abc123").unwrap(), 1);
    assert_eq!(redis.pttl("session:abc123").unwrap(), 0);
    redis.advance_time(Duration::from_millis(1)).unwrap();
    assert_eq!(redis.exists("session:abc123").unwrap(), 0);

    // Use case: rate limiting, 100 requests per minute.
    let request = |user_id: &str| -> bool {
        let key = format!("rate_limit:{user_id}");
        if redis.exists(&key).unwrap() > 0 {
            let requests: i64 = redis.incr(&key).unwrap();
            requests <= 100
        } else {
            redis
                .set_options(&key, 1, SetOptions::default().ex(60))
                .unwrap();
            true
        }
    };
    let allowed = (0..101).filter(|_| request("1000")).count();
    assert_eq!(allowed, 100, "Rate limit exceeded on the 101st request");
    redis.advance_time(Duration::from_secs(61)).unwrap();
    assert!(request("1000"), "a new window starts after 60 seconds");
}

// ------------------------------------------------------------------ Pipeline Operations

#[test]
fn pipeline_operations() {
    let redis = redis();

    // Basic pipeline usage: [True, True, 1, 'value1'].
    let mut pipe = redis.pipeline();
    pipe.set("key1", "value1");
    pipe.set("key2", "value2");
    pipe.incr("counter");
    pipe.get("key1");
    let results = pipe.execute().unwrap();
    assert_eq!(
        results,
        vec![
            Value::ok(),
            Value::ok(),
            Value::Int(1),
            Value::bulk("value1")
        ]
    );
    // The same, typed.
    pipe.set("key1", "value1")
        .set("key2", "value2")
        .incr("counter")
        .get("key1");
    let results: (bool, bool, i64, String) = pipe.query().unwrap();
    assert_eq!(results, (true, true, 2, "value1".to_string()));

    // "Pipeline with context manager": a scope; the pipeline is dropped at its end.
    {
        let mut pipe = redis.pipeline();
        pipe.set("user:1000:name", "John");
        pipe.set("user:1000:email", "john@example.com");
        pipe.incr("user_count");
        let results = pipe.execute().unwrap();
        assert_eq!(results, vec![Value::ok(), Value::ok(), Value::Int(1)]);
    }
    assert_eq!(redis.get::<_, String>("user:1000:name").unwrap(), "John");

    // Use case: moving points in one batch.
    let transfer_points = |from_user: &str, to_user: &str, amount: i64| {
        let mut pipe = redis.pipeline();
        pipe.hincrby(format!("user:{from_user}"), "points", -amount);
        pipe.hincrby(format!("user:{to_user}"), "points", amount);
        pipe.execute().unwrap()
    };
    redis.hset("user:1", "points", 100).unwrap();
    redis.hset("user:2", "points", 5).unwrap();
    let results = transfer_points("1", "2", 30);
    assert_eq!(results, vec![Value::Int(70), Value::Int(35)]);
    assert_eq!(redis.hget::<_, _, i64>("user:1", "points").unwrap(), 70);
    assert_eq!(redis.hget::<_, _, i64>("user:2", "points").unwrap(), 35);

    // Use case: batch data loading — 1000 commands at once.
    let mut pipe = redis.pipeline();
    for i in 0..1000 {
        pipe.set(format!("key:{i}"), format!("value:{i}"));
    }
    let results = pipe.execute().unwrap();
    assert_eq!(results.len(), 1000);
    assert_eq!(redis.get::<_, String>("key:0").unwrap(), "value:0");
    assert_eq!(redis.get::<_, String>("key:999").unwrap(), "value:999");

    // The pipeline is a transaction (MULTI/EXEC), as redis-py's `pipeline()` is: another
    // handle never sees half of it, and a command rejected while queueing aborts it all.
    let mut pipe = redis.pipeline();
    pipe.set("a", 1).cmd("NOSUCHCOMMAND");
    pipe.set("b", 2);
    let err = pipe.execute().unwrap_err();
    assert_eq!(
        err.message(),
        "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: "
    );
    assert_eq!(redis.exists(["a", "b"]).unwrap(), 0);
    // Plain batching stays available: pipeline(transaction=False).
    let mut pipe = redis.pipeline_batch();
    pipe.set("a", 1).cmd("NOSUCHCOMMAND");
    pipe.set("b", 2);
    let results = pipe.execute().unwrap();
    assert_eq!(results[0], Value::ok());
    assert!(results[1].is_error());
    assert_eq!(redis.exists(["a", "b"]).unwrap(), 2);

    // Optimistic locking: WATCH, read, MULTI, write, EXEC — retried on WatchError.
    let _: () = redis.set("balance", 100).unwrap();
    let results = redis
        .transaction(&["balance"], |pipe| {
            let balance: i64 = pipe.conn().get("balance")?;
            pipe.multi();
            pipe.set("balance", balance - 30);
            Ok(())
        })
        .unwrap();
    assert_eq!(results, vec![Value::ok()]);
    assert_eq!(redis.get::<_, i64>("balance").unwrap(), 70);
    // Without the helper: a write between WATCH and EXEC makes execute() a WatchError.
    let mut pipe = redis.pipeline();
    pipe.watch("balance").unwrap();
    let balance: i64 = pipe.conn().get("balance").unwrap();
    let _: () = redis.set("balance", 0).unwrap(); // another client
    pipe.multi().set("balance", balance - 30);
    let err = pipe.execute().unwrap_err();
    assert_eq!(err.kind(), emu::ErrorKind::Watch);
    assert_eq!(redis.get::<_, i64>("balance").unwrap(), 0);
}

// ------------------------------------------------------------------ Multiple databases

#[test]
fn multiple_databases() {
    let redis = redis();
    let redis_cache = redis.with_db(0);
    let redis_sessions = redis.with_db(1);
    let redis_tasks = redis.with_db(2);
    let _: () = redis_cache.set("k", "cache").unwrap();
    let _: () = redis_sessions.set("k", "session").unwrap();
    redis_tasks.rpush("k", "task").unwrap();
    assert_eq!(redis_cache.get::<_, String>("k").unwrap(), "cache");
    assert_eq!(redis_sessions.get::<_, String>("k").unwrap(), "session");
    assert_eq!(redis_tasks.key_type("k").unwrap(), "list");
    let _: () = redis_sessions.flushdb().unwrap();
    assert_eq!(redis_cache.exists("k").unwrap(), 1);
    assert_eq!(redis_sessions.exists("k").unwrap(), 0);
}

// ------------------------------------------------------------------ Pattern Matching and Bulk Operations

#[test]
fn pattern_matching_and_bulk_operations() {
    let redis = redis();

    // Find keys by pattern.
    let _: () = redis.set("user:1000:profile", "data1").unwrap();
    let _: () = redis.set("user:1001:profile", "data2").unwrap();
    let _: () = redis.set("user:1002:profile", "data3").unwrap();
    let _: () = redis.set("post:100", "post_data").unwrap();
    let _: () = redis.set("user:1000:settings", "s").unwrap();

    let user_keys: BTreeSet<String> = redis.keys("user:*:profile").unwrap();
    assert_eq!(
        user_keys,
        BTreeSet::from([
            "user:1000:profile".into(),
            "user:1001:profile".into(),
            "user:1002:profile".into()
        ])
    );
    let all_users: Vec<String> = redis.keys("user:*").unwrap();
    assert_eq!(all_users.len(), 4);

    // Delete multiple keys matching a pattern.
    for i in 0..5 {
        let _: () = redis.set(format!("temp:{i}"), i).unwrap();
    }
    let temp: Vec<String> = redis.keys("temp:*").unwrap();
    assert_eq!(temp.len(), 5);
    for key in temp {
        assert_eq!(redis.delete(&key).unwrap(), 1);
    }
    assert!(redis.keys::<_, Vec<String>>("temp:*").unwrap().is_empty());

    // Use case: clean up sessions without an expiry.
    let _: () = redis.set("session:a", "1").unwrap();
    redis
        .set_options("session:b", "2", SetOptions::default().ex(60))
        .unwrap();
    let session_keys: Vec<String> = redis.keys("session:*").unwrap();
    for key in &session_keys {
        if redis.ttl(key).unwrap() == -1 {
            redis.expire(key, 3600).unwrap();
        }
    }
    assert_eq!(redis.ttl("session:a").unwrap(), 3600);
    assert_eq!(redis.ttl("session:b").unwrap(), 60);

    // Flush database / all databases.
    let other = redis.with_db(1);
    let _: () = other.set("elsewhere", "x").unwrap();
    let _: () = redis.flushdb().unwrap();
    assert_eq!(redis.dbsize().unwrap(), 0);
    assert_eq!(other.dbsize().unwrap(), 1);
    let _: () = redis.flushall().unwrap();
    assert_eq!(other.dbsize().unwrap(), 0);
}

// ------------------------------------------------------------------ Caching Layer

/// A user record with hand-written JSON (no serde), standing in for `json.dumps/loads`.
#[derive(Clone, Debug, PartialEq)]
struct User {
    id: String,
    name: String,
}

impl User {
    fn to_json(&self) -> String {
        format!(r#"{{"id":"{}","name":"{}"}}"#, self.id, self.name)
    }

    fn from_json(s: &str) -> Option<User> {
        let body = s.strip_prefix(r#"{"id":""#)?.strip_suffix(r#""}"#)?;
        let (id, name) = body.split_once(r#"","name":""#)?;
        Some(User {
            id: id.to_string(),
            name: name.to_string(),
        })
    }
}

#[test]
fn caching_layer() {
    let redis = redis();
    let get_user_from_cache = |user_id: &str| -> Option<User> {
        let key = format!("cache:user:{user_id}");
        let data: Option<String> = redis.get(&key).unwrap();
        data.and_then(|d| User::from_json(&d))
    };
    let cache_user_data = |user_id: &str, user: &User, ttl: u64| {
        let key = format!("cache:user:{user_id}");
        redis
            .set_options(&key, user.to_json(), SetOptions::default().ex(ttl))
            .unwrap();
    };
    let invalidate_user_cache = |user_id: &str| {
        redis.delete(format!("cache:user:{user_id}")).unwrap();
    };
    let mut db_fetches = 0;
    let mut fetch_from_database = |user_id: &str| {
        db_fetches += 1;
        User {
            id: user_id.to_string(),
            name: "Ann".to_string(),
        }
    };

    // Usage: a miss fetches and caches…
    let mut user_data = get_user_from_cache("1000");
    assert_eq!(user_data, None);
    if user_data.is_none() {
        let fetched = fetch_from_database("1000");
        cache_user_data("1000", &fetched, 3600);
        user_data = Some(fetched);
    }
    let expected = User {
        id: "1000".into(),
        name: "Ann".into(),
    };
    assert_eq!(user_data.as_ref(), Some(&expected));
    assert_eq!(
        redis.get::<_, String>("cache:user:1000").unwrap(),
        r#"{"id":"1000","name":"Ann"}"#
    );
    // …then hits, until the TTL lapses or the entry is invalidated.
    assert_eq!(get_user_from_cache("1000"), Some(expected.clone()));
    assert_eq!(redis.ttl("cache:user:1000").unwrap(), 3600);
    redis.advance_time(Duration::from_secs(3601)).unwrap();
    assert_eq!(get_user_from_cache("1000"), None);
    cache_user_data("1000", &expected, 3600);
    invalidate_user_cache("1000");
    assert_eq!(get_user_from_cache("1000"), None);
    assert_eq!(db_fetches, 1);
}

// ------------------------------------------------------------------ Session Management

#[test]
fn session_management() {
    let redis = redis();
    let mut next_id = 0u32;
    let mut new_session_id = || {
        // Stands in for uuid4(): unique, deterministic.
        next_id += 1;
        format!("00000000-0000-4000-8000-{next_id:012}")
    };

    let mut create_session = |user_id: &str, user_data: &[(&str, &str)]| -> String {
        let session_id = new_session_id();
        let session_key = format!("session:{session_id}");
        let created_at = (redis.now_ms().unwrap() as f64 / 1000.0).to_string();
        let mut fields = vec![("user_id", user_id), ("created_at", created_at.as_str())];
        fields.extend_from_slice(user_data);
        redis.hset_mapping(&session_key, &fields).unwrap();
        redis.expire(&session_key, 3600).unwrap();
        session_id
    };
    let get_session = |session_id: &str| -> HashMap<String, String> {
        redis.hgetall(format!("session:{session_id}")).unwrap()
    };
    let refresh_session = |session_id: &str| -> bool {
        let session_key = format!("session:{session_id}");
        if redis.exists(&session_key).unwrap() > 0 {
            redis.expire(&session_key, 3600).unwrap();
            true
        } else {
            false
        }
    };
    let destroy_session = |session_id: &str| {
        redis.delete(format!("session:{session_id}")).unwrap();
    };

    let sid = create_session("1000", &[("name", "John"), ("role", "admin")]);
    let session = get_session(&sid);
    assert_eq!(session.len(), 4);
    assert_eq!(session["user_id"], "1000");
    assert_eq!(session["created_at"], "1704110400");
    assert_eq!(session["role"], "admin");

    // Refreshing pushes the expiry back to a full hour.
    redis.advance_time(Duration::from_secs(3000)).unwrap();
    assert!(refresh_session(&sid));
    redis.advance_time(Duration::from_secs(3000)).unwrap();
    assert_eq!(get_session(&sid)["name"], "John");
    // Untouched for an hour: gone, and cannot be refreshed.
    redis.advance_time(Duration::from_secs(601)).unwrap();
    assert!(get_session(&sid).is_empty());
    assert!(!refresh_session(&sid));

    let sid2 = create_session("1001", &[]);
    assert_ne!(sid, sid2);
    assert_eq!(get_session(&sid2).len(), 2);
    destroy_session(&sid2);
    assert!(get_session(&sid2).is_empty());
}

// ------------------------------------------------------------------ Rate Limiting

/// Returns (allowed, count, limit-or-ttl) as the Python example does.
fn check_rate_limit(
    redis: &Redis,
    user_id: &str,
    max_requests: i64,
    window: u64,
) -> (bool, i64, i64) {
    let key = format!("rate_limit:{user_id}");
    let count: Option<i64> = redis.get(&key).unwrap();
    let Some(count) = count else {
        redis
            .set_options(&key, 1, SetOptions::default().ex(window))
            .unwrap();
        return (true, 1, max_requests);
    };
    if count >= max_requests {
        let ttl: i64 = redis.ttl(&key).unwrap();
        return (false, count, ttl);
    }
    let new_count: i64 = redis.incr(&key).unwrap();
    (true, new_count, max_requests)
}

#[test]
fn rate_limiting() {
    let redis = redis();
    for i in 1..=10 {
        assert_eq!(check_rate_limit(&redis, "user123", 10, 60), (true, i, 10));
        redis.advance_time(Duration::from_secs(1)).unwrap();
    }
    // Rate limit exceeded: "try again in 50 seconds".
    let (allowed, current, limit) = check_rate_limit(&redis, "user123", 10, 60);
    assert!(!allowed);
    assert_eq!((current, limit), (10, 50));
    // Another user is independent.
    assert_eq!(check_rate_limit(&redis, "user456", 10, 60), (true, 1, 10));
    // The window ends.
    redis.advance_time(Duration::from_secs(51)).unwrap();
    assert_eq!(check_rate_limit(&redis, "user123", 10, 60), (true, 1, 10));
}

// ------------------------------------------------------------------ Leaderboard System

#[test]
fn leaderboard_system() {
    let redis = redis();
    let update_score = |leaderboard: &str, player_id: &str, score: f64| {
        redis.zadd(leaderboard, [(player_id, score)]).unwrap();
    };
    let increment_score = |leaderboard: &str, player_id: &str, points: f64| -> f64 {
        let current: Option<f64> = redis.zscore(leaderboard, player_id).unwrap();
        let new_score = current.unwrap_or(0.0) + points;
        redis.zadd(leaderboard, [(player_id, new_score)]).unwrap();
        new_score
    };
    let get_top_players = |leaderboard: &str, count: i64| -> Vec<(String, f64)> {
        redis.zrange_withscores(leaderboard, -count, -1).unwrap()
    };
    let get_player_rank = |leaderboard: &str, player_id: &str| -> Option<usize> {
        let all_players: Vec<String> = redis.zrange(leaderboard, 0, -1).unwrap();
        all_players
            .iter()
            .position(|p| p == player_id)
            .map(|i| i + 1)
    };

    update_score("game:weekly", "player123", 5000.0);
    assert_eq!(increment_score("game:weekly", "player123", 100.0), 5100.0);
    assert_eq!(increment_score("game:weekly", "newbie", 10.0), 10.0);
    update_score("game:weekly", "champion", 9000.0);
    let top_10 = get_top_players("game:weekly", 10);
    assert_eq!(
        top_10,
        vec![
            ("newbie".to_string(), 10.0),
            ("player123".to_string(), 5100.0),
            ("champion".to_string(), 9000.0),
        ]
    );
    assert_eq!(get_player_rank("game:weekly", "player123"), Some(2));
    assert_eq!(get_player_rank("game:weekly", "nobody"), None);
}

// ------------------------------------------------------------------ Cache-Aside Pattern

#[test]
fn cache_aside_pattern() {
    let redis = redis();
    let mut source_reads = Vec::new();
    let mut get_data = |key: &str| -> String {
        let cache_key = format!("cache:{key}");
        if let Some(data) = redis.get::<_, Option<String>>(&cache_key).unwrap() {
            return data;
        }
        source_reads.push(key.to_string());
        let data = format!(r#"{{"key":"{key}","value":42}}"#);
        redis
            .set_options(&cache_key, &data, SetOptions::default().ex(3600))
            .unwrap();
        data
    };
    assert_eq!(get_data("report"), r#"{"key":"report","value":42}"#);
    assert_eq!(get_data("report"), r#"{"key":"report","value":42}"#);
    assert_eq!(get_data("other"), r#"{"key":"other","value":42}"#);
    redis.advance_time(Duration::from_secs(3601)).unwrap();
    assert_eq!(get_data("report"), r#"{"key":"report","value":42}"#);
    assert_eq!(source_reads, vec!["report", "other", "report"]);
}

// ------------------------------------------------------------------ Distributed Lock

#[test]
fn distributed_lock() {
    let redis = redis();
    let mut counter = 0;
    let mut acquire_lock = |lock_key: &str, timeout: u64| -> Option<String> {
        counter += 1;
        let identifier = format!("lock-holder-{counter}");
        let acquired: bool = redis
            .set_options(
                lock_key,
                &identifier,
                SetOptions::default().nx().ex(timeout),
            )
            .unwrap();
        acquired.then_some(identifier)
    };
    let release_lock = |lock_key: &str, identifier: &str| -> bool {
        let holder: Option<String> = redis.get(lock_key).unwrap();
        if holder.as_deref() == Some(identifier) {
            redis.delete(lock_key).unwrap();
            true
        } else {
            false
        }
    };

    let first = acquire_lock("lock:resource", 10).expect("free lock");
    assert_eq!(acquire_lock("lock:resource", 10), None, "already held");
    assert!(!release_lock("lock:resource", "someone-else"));
    assert!(release_lock("lock:resource", &first));
    let second = acquire_lock("lock:resource", 10).expect("released lock");
    // A crashed holder's lock times out.
    redis.advance_time(Duration::from_secs(11)).unwrap();
    let third = acquire_lock("lock:resource", 10).expect("expired lock");
    assert!(!release_lock("lock:resource", &second));
    assert!(release_lock("lock:resource", &third));
}

// ------------------------------------------------------------------ Message Queue

#[test]
fn message_queue() {
    let redis = redis();
    let enqueue_task = |queue_name: &str, task_json: &str| {
        redis.lpush(queue_name, task_json).unwrap();
    };
    let dequeue_task = |queue_name: &str| -> Option<String> { redis.rpop(queue_name).unwrap() };

    enqueue_task("tasks", r#"{"job":"resize","id":1}"#);
    enqueue_task("tasks", r#"{"job":"email","id":2}"#);
    assert_eq!(redis.llen("tasks").unwrap(), 2);
    assert_eq!(
        dequeue_task("tasks").as_deref(),
        Some(r#"{"job":"resize","id":1}"#)
    );
    assert_eq!(
        dequeue_task("tasks").as_deref(),
        Some(r#"{"job":"email","id":2}"#)
    );
    assert_eq!(dequeue_task("tasks"), None);
}
