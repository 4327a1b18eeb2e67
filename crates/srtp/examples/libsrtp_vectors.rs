//! Line-oriented driver for the libsrtp interop script (xtask/interop/srtp_libsrtp.py).
//!
//! Reads one JSON object per line on stdin:
//! `{"op": "protect_rtp" | "unprotect_rtp" | "protect_rtcp" | "unprotect_rtcp",
//!   "profile": <DTLS-SRTP profile id>, "key": "<hex master key || master salt>",
//!   "packet": "<hex>"}`
//! and answers one line per request: `{"ok": true, "packet": "<hex>"}` or
//! `{"ok": false, "error": "<text>"}`. Contexts persist across lines, one per (profile, key,
//! direction), so a sequence of packets exercises rollover counters and replay windows.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{BufRead, Write};

use serde_json::{Value, json};
use strata_srtp::{Config, Context, MasterKey, ProtectionProfile};

fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err("odd hex length".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn handle(
    contexts: &mut HashMap<(u16, String, bool), Context>,
    req: &Value,
) -> Result<Vec<u8>, String> {
    let op = req["op"].as_str().ok_or("missing op")?;
    let id = req["profile"].as_u64().ok_or("missing profile")? as u16;
    let profile = ProtectionProfile::from_id(id).ok_or("unknown profile")?;
    let key_hex = req["key"].as_str().ok_or("missing key")?;
    let mut packet = from_hex(req["packet"].as_str().ok_or("missing packet")?)?;
    let outbound = op.starts_with("protect");
    let ctx = match contexts.entry((id, key_hex.to_owned(), outbound)) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => {
            let master = MasterKey::from_concatenated(profile, &from_hex(key_hex)?)
                .map_err(|e| e.to_string())?;
            e.insert(Context::new(&master, Config::default()).map_err(|e| e.to_string())?)
        }
    };
    let result = match op {
        "protect_rtp" => ctx.protect_rtp(&mut packet),
        "unprotect_rtp" => ctx.unprotect_rtp(&mut packet),
        "protect_rtcp" => ctx.protect_rtcp(&mut packet),
        "unprotect_rtcp" => ctx.unprotect_rtcp(&mut packet),
        _ => return Err(format!("unknown op {op}")),
    };
    result.map_err(|e| e.to_string())?;
    Ok(packet)
}

fn main() {
    let mut contexts = HashMap::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Value>(&line) {
            Ok(req) => match handle(&mut contexts, &req) {
                Ok(p) => json!({"ok": true, "packet": to_hex(&p)}),
                Err(e) => json!({"ok": false, "error": e}),
            },
            Err(e) => json!({"ok": false, "error": e.to_string()}),
        };
        writeln!(out, "{reply}").unwrap();
        out.flush().unwrap();
    }
}
