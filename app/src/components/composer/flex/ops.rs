//! The Flex editor's edits, as pure functions on the container's JSON: navigation by JSON
//! pointer (`/body/contents/2`), the outline shown as the tree, and the structural edits (add,
//! remove, duplicate, move, into and out of boxes, paste) with LINE's placement rules from
//! `line::flex_spec`. Kept free of views so they are tested natively.

use line::flex_spec::{NodeKind, Place, child_slots};
use serde_json::{Map, Value};

/// The parent of a node's pointer and the node's place in it (`/body/contents/2` →
/// `/body/contents`, 2 ... expressed as parent node, key and index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The parent node's pointer.
    pub parent: String,
    /// The parent's key holding the node (`contents`, `hero`, `altContent`...).
    pub key: String,
    /// The index when the key holds an array.
    pub index: Option<usize>,
}

/// Where `pointer` sits, `None` for the root.
pub fn locate(pointer: &str) -> Option<Location> {
    let (rest, last) = pointer.rsplit_once('/')?;
    if let Ok(index) = last.parse::<usize>() {
        let (parent, key) = rest.rsplit_once('/')?;
        Some(Location {
            parent: parent.to_owned(),
            key: key.to_owned(),
            index: Some(index),
        })
    } else {
        Some(Location {
            parent: rest.to_owned(),
            key: last.to_owned(),
            index: None,
        })
    }
}

/// The kind of the node at `pointer`.
pub fn kind_at(root: &Value, pointer: &str) -> Option<NodeKind> {
    root.pointer(pointer)?
        .get("type")?
        .as_str()
        .and_then(NodeKind::from_type_name)
}

fn kind_of(node: &Value) -> Option<NodeKind> {
    node.get("type")?
        .as_str()
        .and_then(NodeKind::from_type_name)
}

/// The place a child at `location` is in.
pub fn place_of(root: &Value, location: &Location) -> Option<Place> {
    let parent = root.pointer(&location.parent)?;
    child_slots(parent)
        .into_iter()
        .find(|(key, _, _)| *key == location.key)
        .map(|(_, place, _)| place)
}

/// One line of the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct OutlineRow {
    pub pointer: String,
    pub depth: usize,
    pub kind: NodeKind,
    /// What staff recognise it by: the block's name, a text's words, a button's label.
    pub label: String,
}

/// The tree in reading order.
pub fn outline(root: &Value) -> Vec<OutlineRow> {
    let mut rows = Vec::new();
    walk(root, String::new(), 0, None, &mut rows);
    rows
}

fn walk(
    node: &Value,
    pointer: String,
    depth: usize,
    slot: Option<&str>,
    rows: &mut Vec<OutlineRow>,
) {
    let Some(kind) = kind_of(node) else { return };
    rows.push(OutlineRow {
        label: label(node, kind, slot, &pointer),
        pointer: pointer.clone(),
        depth,
        kind,
    });
    for (key, _, many) in child_slots(node) {
        match (many, node.get(key)) {
            (true, Some(Value::Array(items))) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{pointer}/{key}/{i}"), depth + 1, None, rows);
                }
            }
            (false, Some(child)) => walk(
                child,
                format!("{pointer}/{key}"),
                depth + 1,
                Some(key),
                rows,
            ),
            _ => {}
        }
    }
}

fn slot_name(slot: &str) -> &'static str {
    match slot {
        "header" => "ヘッダー",
        "hero" => "ヒーロー",
        "body" => "ボディ",
        "footer" => "フッター",
        "altContent" => "代替表示",
        _ => "",
    }
}

fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = one_line.chars();
    let head: String = chars.by_ref().take(24).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

fn label(node: &Value, kind: NodeKind, slot: Option<&str>, pointer: &str) -> String {
    let str_at = |key: &str| node.get(key).and_then(Value::as_str).unwrap_or_default();
    let what = match kind {
        NodeKind::Bubble => match locate(pointer) {
            Some(Location { index: Some(i), .. }) => format!("バブル {}", i + 1),
            _ => "バブル".to_owned(),
        },
        NodeKind::Box => {
            let layout = match str_at("layout") {
                "horizontal" => "横並び",
                "baseline" => "ベースライン",
                _ => "縦並び",
            };
            format!("ボックス（{layout}）")
        }
        NodeKind::Text => {
            let spans: String = node
                .get("contents")
                .and_then(Value::as_array)
                .map(|spans| {
                    spans
                        .iter()
                        .filter_map(|s| s.get("text").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default();
            let words = if spans.is_empty() {
                str_at("text").to_owned()
            } else {
                spans
            };
            format!("テキスト「{}」", short(&words))
        }
        NodeKind::Span => format!("スパン「{}」", short(str_at("text"))),
        NodeKind::Button => {
            let label = node
                .pointer("/action/label")
                .and_then(Value::as_str)
                .unwrap_or_default();
            format!("ボタン「{}」", short(label))
        }
        other => other.name_ja().to_owned(),
    };
    match slot.map(slot_name) {
        Some(name) if !name.is_empty() => format!("{name}：{what}"),
        _ => what,
    }
}

fn parent_array<'a>(root: &'a mut Value, location: &Location) -> Option<&'a mut Vec<Value>> {
    root.pointer_mut(&location.parent)?
        .get_mut(&location.key)?
        .as_array_mut()
}

fn pointer_in(location: &Location, index: usize) -> String {
    format!("{}/{}/{index}", location.parent, location.key)
}

/// Whether a node of `kind` may go at `place` (and there is room).
fn fits(root: &Value, location: &Location, kind: NodeKind, adding: bool) -> bool {
    let Some(place) = place_of(root, location) else {
        return false;
    };
    if !place.allowed().contains(&kind) {
        return false;
    }
    let count = root
        .pointer(&location.parent)
        .and_then(|p| p.get(&location.key))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    !adding || place.max_children().is_none_or(|max| count < max)
}

/// Removes the node; returns the pointer to select next (its neighbour or its parent).
/// The root and a video's alternative content cannot be removed.
pub fn remove(root: &mut Value, pointer: &str) -> Option<String> {
    let location = locate(pointer)?;
    match location.index {
        Some(i) => {
            let items = parent_array(root, &location)?;
            if i >= items.len() {
                return None;
            }
            items.remove(i);
            Some(if items.is_empty() {
                location.parent
            } else {
                pointer_in(&location, i.min(items.len() - 1))
            })
        }
        None if location.key == "altContent" => None,
        None => {
            root.pointer_mut(&location.parent)?
                .as_object_mut()?
                .remove(&location.key)?;
            Some(location.parent)
        }
    }
}

/// Inserts a copy after the node (nodes in lists only); returns the copy's pointer.
pub fn duplicate(root: &mut Value, pointer: &str) -> Option<String> {
    let location = locate(pointer)?;
    let i = location.index?;
    let node = root.pointer(pointer)?.clone();
    if !fits(root, &location, kind_of(&node)?, true) {
        return None;
    }
    parent_array(root, &location)?.insert(i + 1, node);
    Some(pointer_in(&location, i + 1))
}

/// Moves the node `delta` places among its siblings; returns its new pointer.
pub fn move_by(root: &mut Value, pointer: &str, delta: isize) -> Option<String> {
    let location = locate(pointer)?;
    let i = location.index?;
    let items = parent_array(root, &location)?;
    let j = i.checked_add_signed(delta).filter(|j| *j < items.len())?;
    let node = items.remove(i);
    items.insert(j, node);
    Some(pointer_in(&location, j))
}

/// Moves the node out of its box, just after that box; returns its new pointer.
pub fn move_out(root: &mut Value, pointer: &str) -> Option<String> {
    let location = locate(pointer)?;
    let i = location.index?;
    let outer = locate(&location.parent)?;
    let box_index = outer.index?;
    let kind = kind_at(root, pointer)?;
    if location.key != "contents" || !fits(root, &outer, kind, false) {
        return None;
    }
    let node = parent_array(root, &location)?.remove(i);
    parent_array(root, &outer)?.insert(box_index + 1, node);
    Some(pointer_in(&outer, box_index + 1))
}

/// Moves the node to the end of the box just before it; returns its new pointer.
pub fn move_into_previous(root: &mut Value, pointer: &str) -> Option<String> {
    let location = locate(pointer)?;
    let i = location.index?.checked_sub(1)?;
    let target = pointer_in(&location, i);
    let kind = kind_at(root, pointer)?;
    if kind_at(root, &target)? != NodeKind::Box {
        return None;
    }
    let inside = Location {
        parent: target.clone(),
        key: "contents".to_owned(),
        index: None,
    };
    if !fits(root, &inside, kind, false) {
        return None;
    }
    let node = parent_array(root, &location)?.remove(i + 1);
    let items = parent_array(root, &inside)?;
    items.push(node);
    Some(format!("{target}/contents/{}", items.len() - 1))
}

/// A place a new node may go, as offered by the "+" menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The node receiving the child.
    pub parent: String,
    /// Its key (`contents`, `header`...).
    pub key: &'static str,
    pub many: bool,
    pub allowed: Vec<NodeKind>,
}

/// Where children can be added to the node at `pointer`: its lists with room, its empty
/// blocks (a bubble without a header offers one).
pub fn slots(root: &Value, pointer: &str) -> Vec<Slot> {
    let Some(node) = root.pointer(pointer) else {
        return Vec::new();
    };
    child_slots(node)
        .into_iter()
        .filter(|(key, place, many)| {
            let present = node.get(*key);
            if *many {
                let count = present.and_then(Value::as_array).map_or(0, Vec::len);
                place.max_children().is_none_or(|max| count < max)
            } else {
                present.is_none()
            }
        })
        .map(|(key, place, many)| Slot {
            parent: pointer.to_owned(),
            key,
            many,
            allowed: place.allowed().to_vec(),
        })
        .collect()
}

/// Puts `node` into `slot` (at the end of a list); returns its pointer.
pub fn insert(root: &mut Value, slot: &Slot, node: Value) -> Option<String> {
    let kind = kind_of(&node)?;
    if !slot.allowed.contains(&kind) {
        return None;
    }
    let parent = root.pointer_mut(&slot.parent)?.as_object_mut()?;
    if slot.many {
        let items = parent
            .entry(slot.key)
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()?;
        items.push(node);
        Some(format!("{}/{}/{}", slot.parent, slot.key, items.len() - 1))
    } else {
        parent.insert(slot.key.to_owned(), node);
        Some(format!("{}/{}", slot.parent, slot.key))
    }
}

/// Pastes a copied node: into the selected node when it takes that kind, else after it.
pub fn paste(root: &mut Value, selected: &str, node: Value) -> Option<String> {
    let kind = kind_of(&node)?;
    if let Some(slot) = slots(root, selected)
        .into_iter()
        .find(|s| s.allowed.contains(&kind))
    {
        return insert(root, &slot, node);
    }
    let location = locate(selected)?;
    let i = location.index?;
    if !fits(root, &location, kind, true) {
        return None;
    }
    parent_array(root, &location)?.insert(i + 1, node);
    Some(pointer_in(&location, i + 1))
}

/// A bubble becomes the first of a carousel; a carousel of one bubble becomes that bubble.
pub fn toggle_carousel(root: &mut Value) -> bool {
    match kind_of(root) {
        Some(NodeKind::Bubble) => {
            let bubble = root.take();
            *root = serde_json::json!({"type": "carousel", "contents": [bubble]});
            true
        }
        Some(NodeKind::Carousel) => {
            let Some(Value::Array(items)) = root.get_mut("contents") else {
                return false;
            };
            if items.len() != 1 {
                return false;
            }
            let bubble = items.remove(0);
            *root = bubble;
            true
        }
        _ => false,
    }
}

/// Sets (or with `None` removes) the property `name` (a relative pointer such as `size` or
/// `styles/body/backgroundColor`) of the node at `pointer`. Objects on the way are created;
/// emptied ones are removed, so no `{}` is left for LINE to refuse.
pub fn set_property(root: &mut Value, pointer: &str, name: &str, value: Option<Value>) -> bool {
    let Some(node) = root.pointer_mut(pointer) else {
        return false;
    };
    let keys: Vec<&str> = name.split('/').collect();
    set_in(node, &keys, value)
}

fn set_in(node: &mut Value, keys: &[&str], value: Option<Value>) -> bool {
    let Some(map) = node.as_object_mut() else {
        return false;
    };
    match keys {
        [] => false,
        [last] => {
            match value {
                Some(v) => {
                    map.insert((*last).to_owned(), v);
                }
                None => {
                    map.remove(*last);
                }
            }
            true
        }
        [first, rest @ ..] => {
            if value.is_none() && !map.contains_key(*first) {
                return true;
            }
            let child = map
                .entry((*first).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            let done = set_in(child, rest, value);
            // An object left with nothing (or only its `type`) says nothing: drop it.
            let empty = child
                .as_object()
                .is_some_and(|m| m.keys().all(|k| k == "type"));
            if empty {
                map.remove(*first);
            }
            done
        }
    }
}

/// The validator's path of a node (`/body/contents/2` of message 0 →
/// `messages[0].contents.body.contents[2]`), so its errors show beside its controls.
pub fn validate_path(index: usize, pointer: &str) -> String {
    let mut path = format!("messages[{index}].contents");
    for part in pointer.split('/').skip(1) {
        if part.parse::<usize>().is_ok() {
            path.push_str(&format!("[{part}]"));
        } else {
            path.push('.');
            path.push_str(part);
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({"type": "bubble",
            "hero": {"type": "image", "url": "https://example.jp/a.png"},
            "body": {"type": "box", "layout": "vertical", "contents": [
                {"type": "text", "text": "タイトル"},
                {"type": "box", "layout": "baseline", "contents": [
                    {"type": "icon", "url": "https://example.jp/i.png"},
                    {"type": "text", "text": "日時"}
                ]},
                {"type": "text", "text": "本文"}
            ]}
        })
    }

    #[test]
    fn locations_of_list_items_and_blocks() {
        assert_eq!(
            locate("/body/contents/2"),
            Some(Location {
                parent: "/body".into(),
                key: "contents".into(),
                index: Some(2)
            })
        );
        assert_eq!(
            locate("/contents/1/hero"),
            Some(Location {
                parent: "/contents/1".into(),
                key: "hero".into(),
                index: None
            })
        );
        assert_eq!(locate(""), None);
    }

    #[test]
    fn the_outline_names_blocks_and_texts_in_reading_order() {
        let rows = outline(&sample());
        let labels: Vec<_> = rows.iter().map(|r| (r.depth, r.label.as_str())).collect();
        assert_eq!(
            labels,
            [
                (0, "バブル"),
                (1, "ヒーロー：画像"),
                (1, "ボディ：ボックス（縦並び）"),
                (2, "テキスト「タイトル」"),
                (2, "ボックス（ベースライン）"),
                (3, "アイコン"),
                (3, "テキスト「日時」"),
                (2, "テキスト「本文」"),
            ]
        );
        assert_eq!(rows[5].pointer, "/body/contents/1/contents/0");
    }

    #[test]
    fn an_icon_cannot_leave_its_baseline_box_for_a_vertical_one() {
        let mut root = sample();
        assert_eq!(move_out(&mut root, "/body/contents/1/contents/0"), None);
        assert_eq!(root, sample());
        // A text can, and lands just after the box.
        let at = move_out(&mut root, "/body/contents/1/contents/1");
        assert_eq!(at.as_deref(), Some("/body/contents/2"));
        assert_eq!(root.pointer("/body/contents/2/text"), Some(&json!("日時")));
        // And goes back in.
        let back = move_into_previous(&mut root, "/body/contents/2");
        assert_eq!(back.as_deref(), Some("/body/contents/1/contents/1"));
        assert_eq!(root, sample());
    }

    #[test]
    fn the_plus_menu_offers_only_what_fits() {
        let root = sample();
        let baseline = slots(&root, "/body/contents/1");
        assert_eq!(baseline.len(), 1);
        assert!(baseline[0].allowed.contains(&NodeKind::Icon));
        assert!(!baseline[0].allowed.contains(&NodeKind::Image));
        let vertical = slots(&root, "/body");
        assert!(!vertical[0].allowed.contains(&NodeKind::Icon));
        // A bubble offers the blocks it lacks.
        let keys: Vec<_> = slots(&root, "").iter().map(|s| s.key).collect();
        assert_eq!(keys, ["header", "footer"]);
    }

    #[test]
    fn duplicate_move_remove_and_paste() {
        let mut root = sample();
        assert_eq!(
            duplicate(&mut root, "/body/contents/0").as_deref(),
            Some("/body/contents/1")
        );
        assert_eq!(
            move_by(&mut root, "/body/contents/1", 2).as_deref(),
            Some("/body/contents/3")
        );
        assert_eq!(
            root.pointer("/body/contents/3/text"),
            Some(&json!("タイトル"))
        );
        assert_eq!(move_by(&mut root, "/body/contents/3", 1), None);
        assert_eq!(
            remove(&mut root, "/body/contents/3").as_deref(),
            Some("/body/contents/2")
        );
        assert_eq!(root, sample());
        // A pasted icon goes into the baseline box, not beside it.
        let icon = json!({"type": "icon", "url": "https://example.jp/i.png"});
        assert_eq!(
            paste(&mut root, "/body/contents/1", icon.clone()).as_deref(),
            Some("/body/contents/1/contents/2")
        );
        // And is refused in a vertical box.
        assert_eq!(paste(&mut root, "/body/contents/0", icon), None);
        assert_eq!(remove(&mut root, "").as_deref(), None);
        assert_eq!(remove(&mut root, "/hero").as_deref(), Some(""));
        assert!(root.get("hero").is_none());
    }

    #[test]
    fn a_carousel_holds_at_most_twelve_bubbles() {
        let mut root = sample();
        assert!(toggle_carousel(&mut root));
        let max = Place::CarouselContents.max_children().unwrap();
        assert_eq!(max, 12);
        for _ in 1..max {
            assert!(duplicate(&mut root, "/contents/0").is_some());
        }
        assert_eq!(duplicate(&mut root, "/contents/0"), None);
        assert!(slots(&root, "").is_empty());
        assert!(
            !toggle_carousel(&mut root),
            "twelve bubbles are not one bubble"
        );
        root["contents"].as_array_mut().unwrap().truncate(1);
        assert!(toggle_carousel(&mut root));
        assert_eq!(root, sample());
    }

    #[test]
    fn nested_properties_are_created_and_emptied_objects_removed() {
        let mut root = sample();
        assert!(set_property(
            &mut root,
            "",
            "styles/body/backgroundColor",
            Some(json!("#FFEEDD"))
        ));
        assert_eq!(
            root.pointer("/styles/body/backgroundColor"),
            Some(&json!("#FFEEDD"))
        );
        assert!(set_property(
            &mut root,
            "",
            "styles/body/backgroundColor",
            None
        ));
        assert!(root.get("styles").is_none());
        assert!(set_property(
            &mut root,
            "/body",
            "background/type",
            Some(json!("linearGradient"))
        ));
        assert!(set_property(
            &mut root,
            "/body",
            "background/angle",
            Some(json!("90deg"))
        ));
        assert!(set_property(&mut root, "/body", "background/angle", None));
        assert!(root.pointer("/body/background").is_none());
    }

    #[test]
    fn validator_paths_of_pointers() {
        assert_eq!(
            validate_path(1, "/contents/3/body/contents/0"),
            "messages[1].contents.contents[3].body.contents[0]"
        );
        assert_eq!(validate_path(0, ""), "messages[0].contents");
    }
}
