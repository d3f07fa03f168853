//! The state file: one JSON document, written atomically (temporary file + rename) at most
//! about once per second after a change, by a background thread; rich menu images are files in
//! a directory beside it (`<state file>.images/<richMenuId>`).
//!
//! Message JSON shared by many chat entries is written once (`messages`) and referenced by
//! index, so a multicast to thousands of friends does not repeat its message thousands of times.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::{Channel, ChannelData, Entry, State, Via};
use crate::{Inner, SandboxError};

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Persisted {
    version: u32,
    /// The key that signs ID tokens, so that tokens survive a restart.
    id_token_key: String,
    entry_seq: u64,
    channels: BTreeMap<String, ChannelData>,
    /// Channel key → user id → chat, oldest first.
    chats: BTreeMap<String, BTreeMap<String, Vec<PersistedEntry>>>,
    /// Message JSON referenced by `PersistedEntry::m`.
    messages: Vec<Arc<Value>>,
}

#[derive(Serialize, Deserialize)]
struct PersistedEntry {
    seq: u64,
    at: DateTime<Utc>,
    via: Via,
    m: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unit: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<Arc<str>>,
}

pub(crate) fn images_dir(state_file: &Path) -> PathBuf {
    let mut name = state_file.file_name().unwrap_or_default().to_os_string();
    name.push(".images");
    state_file.with_file_name(name)
}

/// A rich menu id is `richmenu-` + hex; anything else never becomes a file name.
pub(crate) fn image_path(state_file: &Path, rich_menu_id: &str) -> Option<PathBuf> {
    rich_menu_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        .then(|| images_dir(state_file).join(rich_menu_id))
}

pub(crate) struct Loaded {
    pub state: State,
    pub id_token_key: [u8; 32],
}

/// Reads the state file, if there is one.
pub(crate) fn load(state_file: &Path) -> Result<Option<Loaded>, SandboxError> {
    let bytes = match std::fs::read(state_file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SandboxError::StateFile(e.to_string())),
    };
    let persisted: Persisted =
        serde_json::from_slice(&bytes).map_err(|e| SandboxError::StateFile(e.to_string()))?;
    if persisted.version != VERSION {
        return Err(SandboxError::StateFile(format!(
            "unsupported version {}",
            persisted.version
        )));
    }
    let id_token_key: [u8; 32] = STANDARD
        .decode(&persisted.id_token_key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| SandboxError::StateFile("id_token_key".into()))?;
    let mut state = State {
        entry_seq: persisted.entry_seq,
        ..State::default()
    };
    let mut chats = persisted.chats;
    for (key, mut data) in persisted.channels {
        let mut channel_chats = chats.remove(&key).unwrap_or_default();
        for (user_id, friend) in &mut data.friends {
            let entries = channel_chats.remove(user_id).unwrap_or_default();
            friend.chat = entries
                .into_iter()
                .filter_map(|e| {
                    Some(Entry {
                        seq: e.seq,
                        at: e.at,
                        via: e.via,
                        message: persisted.messages.get(e.m)?.clone(),
                        unit: e.unit,
                        sent_message_id: e.id,
                    })
                })
                .collect::<VecDeque<_>>()
                .into();
        }
        for (id, menu) in &mut data.rich_menus {
            if menu.image.is_some() {
                match image_path(state_file, id).map(std::fs::read) {
                    Some(Ok(bytes)) => {
                        if let Some(image) = &mut menu.image {
                            image.bytes = bytes.into();
                        }
                    }
                    // Saved before its image file was written: the upload did not complete.
                    _ => menu.image = None,
                }
            }
        }
        state.channels.insert(key, Channel { config: None, data });
    }
    Ok(Some(Loaded {
        state,
        id_token_key,
    }))
}

/// Copies what is to be saved; cheap (messages are shared), so the lock is held briefly.
pub(crate) fn snapshot(state: &State) -> (u64, BTreeMap<String, ChannelData>) {
    let channels = state
        .channels
        .iter()
        .map(|(key, c)| (key.clone(), c.data.clone()))
        .collect();
    (state.entry_seq, channels)
}

/// Writes a snapshot (outside the lock).
pub(crate) fn write(
    state_file: &Path,
    id_token_key: &[u8; 32],
    entry_seq: u64,
    channels: BTreeMap<String, ChannelData>,
) -> Result<(), SandboxError> {
    let mut messages: Vec<Arc<Value>> = Vec::new();
    let mut index: HashMap<*const Value, usize> = HashMap::new();
    let mut chats = BTreeMap::new();
    for (key, data) in &channels {
        let mut channel_chats = BTreeMap::new();
        for (user_id, friend) in &data.friends {
            let entries = friend
                .chat
                .iter()
                .map(|e| {
                    let m = *index.entry(Arc::as_ptr(&e.message)).or_insert_with(|| {
                        messages.push(e.message.clone());
                        messages.len() - 1
                    });
                    PersistedEntry {
                        seq: e.seq,
                        at: e.at,
                        via: e.via,
                        m,
                        unit: e.unit.clone(),
                        id: e.sent_message_id.clone(),
                    }
                })
                .collect::<Vec<_>>();
            if !entries.is_empty() {
                channel_chats.insert(user_id.clone(), entries);
            }
        }
        chats.insert(key.clone(), channel_chats);
    }
    let persisted = Persisted {
        version: VERSION,
        id_token_key: STANDARD.encode(id_token_key),
        entry_seq,
        channels,
        chats,
        messages,
    };
    let mut tmp_name = state_file.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = state_file.with_file_name(tmp_name);
    let io = |e: std::io::Error| SandboxError::StateFile(e.to_string());
    let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
    serde_json::to_writer(&mut file, &persisted)
        .map_err(|e| SandboxError::StateFile(e.to_string()))?;
    file.flush().map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, state_file).map_err(io)?;
    Ok(())
}

/// Saves now if anything changed since the last save.
pub(crate) fn save_if_dirty(inner: &Inner) -> Result<(), SandboxError> {
    let Some(path) = &inner.config.state_file else {
        return Ok(());
    };
    // One writer at a time (the background thread, `flush`, drop).
    let _writing = inner.save_lock.lock().unwrap_or_else(|e| e.into_inner());
    if !inner.dirty.swap(false, Ordering::AcqRel) {
        return Ok(());
    }
    let (entry_seq, channels) = snapshot(&inner.lock());
    let result = write(path, &inner.id_token_key, entry_seq, channels);
    if result.is_err() {
        // Try again next time.
        inner.dirty.store(true, Ordering::Release);
    }
    result
}

/// The background saver: wakes every `interval`, saves when something changed, and stops when
/// the sandbox is dropped (which saves a last time). A big state (a benchmark's 100,000 friends)
/// takes a while to write: the saver then waits ten times as long as the last save took, so it
/// never uses more than about a tenth of a core.
pub(crate) fn spawn_saver(inner: Weak<Inner>, interval: Duration) {
    let spawned = std::thread::Builder::new()
        .name("line-sandbox-saver".into())
        .spawn(move || {
            let mut wait = interval;
            loop {
                std::thread::sleep(wait);
                let Some(inner) = inner.upgrade() else {
                    return;
                };
                let started = Instant::now();
                if let Err(e) = save_if_dirty(&inner) {
                    tracing::warn!(error = %e, "LINE sandbox: could not save the state file");
                }
                wait = interval.max(started.elapsed() * 10);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "LINE sandbox: could not start the state saver");
    }
}
