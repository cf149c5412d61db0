//! What Valkey 8 answers differently from Redis 7.0: the reasons of the suite's `valkey:`
//! exemptions, checked here on both real servers, so that an exemption goes when its
//! difference does (this test then fails).

use std::time::Duration;

use crate::backends;

#[test]
fn valkey_differences() {
    let (Some(redis), Some(valkey)) = (backends::server_url(), backends::valkey_url()) else {
        return;
    };
    let _serial = backends::serial();
    for (url, list_encoding, unsubscribed) in [
        (&redis, "quicklist", Ok(())),
        (
            &valkey,
            "listpack",
            Err("NOSUB 'unsubscribe' command executed not in subscribed mode"),
        ),
    ] {
        let r = backends::fresh(url);
        // keys::object_encoding_of_a_small_list
        r.rpush("l", "a").unwrap();
        assert_eq!(
            r.object_encoding("l").unwrap().as_deref(),
            Some(list_encoding),
            "{url}"
        );
        // asynchronous::async_pubsub_unsubscribe_with_nothing_subscribed
        let mut s = r.pubsub();
        s.subscribe(&["c"]).unwrap();
        s.unsubscribe::<&str>(&[]).unwrap();
        let wait = Some(Duration::from_secs(10));
        let confirmation = |m: emu::client::Message| (m.kind, m.channel, m.data);
        for _ in ["subscribe c", "unsubscribe c"] {
            assert!(s.get_message(wait).unwrap().is_some(), "{url}");
        }
        s.unsubscribe::<&str>(&[]).unwrap();
        let got = s.get_message(wait);
        match unsubscribed {
            Ok(()) => assert_eq!(
                confirmation(got.unwrap().expect("confirmation")),
                (
                    emu::client::MessageKind::Unsubscribe,
                    Vec::new(),
                    emu::Value::Int(0)
                ),
                "{url}"
            ),
            Err(text) => assert_eq!(got.unwrap_err().message(), text, "{url}"),
        }
        // The async subscriber: the server's error comes from the awaited UNSUBSCRIBE
        // itself (the sync one's from the next get_message).
        let a = r.to_async();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let got = runtime.block_on(async {
            let sub = a.pubsub();
            sub.subscribe("c").await.unwrap();
            sub.unsubscribe(Vec::<&str>::new()).await.unwrap();
            let second = sub.unsubscribe(Vec::<&str>::new()).await;
            let mut got = Vec::new();
            while let Some(m) = sub.get_message(Some(Duration::from_millis(200))).await? {
                got.push(confirmation(m));
            }
            emu::Result::Ok((second, got))
        });
        let (second, got) = got.unwrap();
        match unsubscribed {
            Ok(()) => {
                second.unwrap();
                assert_eq!(got.len(), 3, "{url}");
                assert_eq!(
                    got[2],
                    (
                        emu::client::MessageKind::Unsubscribe,
                        Vec::new(),
                        emu::Value::Int(0)
                    ),
                    "{url}"
                );
            }
            Err(text) => {
                assert_eq!(second.unwrap_err().message(), text, "{url}");
                assert_eq!(got.len(), 2, "{url}");
            }
        }
    }
}
