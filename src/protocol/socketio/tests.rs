use super::*;

fn j(s: &str) -> Json {
    json::parse(s).unwrap()
}

#[test]
fn decodes_connect_in_both_protocols() {
    let v4 = decode("0").unwrap();
    assert_eq!(
        (v4.kind, v4.nsp.as_str(), v4.data),
        (PacketKind::Connect, "/", None)
    );
    let v5 = decode(r#"0{"sid":"abc"}"#).unwrap();
    assert_eq!(v5.data, Some(j(r#"{"sid":"abc"}"#)));
    let nsp = decode("0/admin,").unwrap();
    assert_eq!(nsp.nsp, "/admin");
    let nsp_query = decode("0/admin?token=x,").unwrap();
    assert_eq!(nsp_query.nsp, "/admin");
    let nsp_sid = decode(r#"0/admin,{"sid":"q"}"#).unwrap();
    assert_eq!(
        (nsp_sid.nsp.as_str(), nsp_sid.data.is_some()),
        ("/admin", true)
    );
}

#[test]
fn decodes_events_acks_and_errors() {
    let e = decode(r#"2["list:changes","[{\"resource\":\"x\"}]"]"#).unwrap();
    assert_eq!(e.kind, PacketKind::Event);
    let event = into_event(e.data, vec![]).unwrap();
    assert_eq!(event.name, "list:changes");
    assert_eq!(event.args, vec![EventArg::Json(j(r#"[{"resource":"x"}]"#))]);

    let with_ack = decode(r#"212["e",1]"#).unwrap();
    assert_eq!(with_ack.ack_id, Some(12));
    let nsp_ack = decode(r#"2/chat,7["e"]"#).unwrap();
    assert_eq!((nsp_ack.nsp.as_str(), nsp_ack.ack_id), ("/chat", Some(7)));
    let ack = decode("31[]").unwrap();
    assert_eq!((ack.kind, ack.ack_id), (PacketKind::Ack, Some(1)));

    let v4_error = decode(r#"4"Not authorized""#).unwrap();
    assert_eq!(
        connect_error_message(v4_error.data.as_ref()),
        "Not authorized"
    );
    let v5_error = decode(r#"4{"message":"nope","data":{"x":1}}"#).unwrap();
    assert_eq!(connect_error_message(v5_error.data.as_ref()), "nope");
    assert_eq!(decode("1").unwrap().kind, PacketKind::Disconnect);
}

#[test]
fn reassembles_binary_events() {
    let p = decode(r#"52-["bin",{"_placeholder":true,"num":1},"s",{"_placeholder":true,"num":0}]"#)
        .unwrap();
    assert_eq!((p.kind, p.attachments), (PacketKind::BinaryEvent, 2));
    let event = into_event(p.data, vec![vec![1], vec![2, 3]]).unwrap();
    assert_eq!(
        event.args,
        vec![
            EventArg::Binary(vec![2, 3]),
            EventArg::Json(Json::from("s")),
            EventArg::Binary(vec![1])
        ]
    );
    let nsp = decode(r#"51-/admin,["b",{"_placeholder":true,"num":0}]"#).unwrap();
    assert_eq!((nsp.nsp.as_str(), nsp.attachments), ("/admin", 1));
}

#[test]
fn plain_strings_stay_strings() {
    let event = into_event(
        Some(j(r#"["m","hello","[not json","{\"a\":1}",5]"#)),
        vec![],
    )
    .unwrap();
    assert_eq!(
        event.args,
        vec![
            EventArg::Json(Json::from("hello")),
            EventArg::Json(Json::from("[not json")),
            EventArg::Json(j(r#"{"a":1}"#)),
            EventArg::Json(Json::from(5)),
        ]
    );
}

#[test]
fn rejects_malformed_packets() {
    for bad in [
        "",
        "7",
        "x",
        "2[\"a\"",
        "5[\"a\"]",
        "5-[\"a\"]",
        "599999999999999999999999-[]",
        "299999999999999999999999[\"a\"]",
        "2{bad",
        r#"42["list:changes",{bad"#,
    ] {
        assert!(decode(bad).is_err(), "{bad}");
    }
    for bad_event in ["{}", "[]", "[1]", "\"x\""] {
        assert!(
            into_event(Some(j(bad_event)), vec![]).is_err(),
            "{bad_event}"
        );
    }
    assert!(into_event(None, vec![]).is_err());
}

#[test]
fn encodes_packets() {
    assert_eq!(encode(PacketKind::Connect, "/", None), "0");
    assert_eq!(
        encode(PacketKind::Connect, "/", Some(&j(r#"{"token":"t"}"#))),
        r#"0{"token":"t"}"#
    );
    assert_eq!(
        encode(PacketKind::Connect, "/admin?token=x", None),
        "0/admin?token=x,"
    );
    assert_eq!(
        encode(
            PacketKind::Event,
            "/",
            Some(&j(r#"["subscribe",{"lists":["a"]}]"#))
        ),
        r#"2["subscribe",{"lists":["a"]}]"#
    );
    assert_eq!(encode(PacketKind::Disconnect, "/admin", None), "1/admin,");
}
