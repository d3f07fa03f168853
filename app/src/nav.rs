//! The areas of the admin panel, in navigation order. One list feeds the side navigation, the
//! placeholder pages and the pages' access rules (`crate::api::rules::page_need`), so a new area
//! is added in one place.

use model::access::{Action, Feature, Need};

pub struct Area {
    /// URL segment under `/admin/`.
    pub slug: &'static str,
    pub label: &'static str,
    /// What the area will do, shown while it is being prepared.
    pub summary: &'static str,
    /// What opening the area's pages (and its downloads) needs; the menu shows an area only to
    /// those who may open it.
    pub need: Need,
}

pub const AREAS: &[Area] = &[
    Area {
        slug: "deliveries",
        label: "配信",
        summary: "メッセージの作成・プレビュー・テスト配信・予約配信と、開封数・クリック数の確認。",
        need: Need::Can(Feature::Deliveries, Action::View),
    },
    Area {
        slug: "segments",
        label: "セグメント",
        summary: "アンケートで得た属性（性別・年代・地域など）による配信グループの設定。",
        need: Need::Can(Feature::Segments, Action::View),
    },
    Area {
        slug: "test-recipients",
        label: "テスト配信先",
        summary: "テスト配信を受け取る職員の LINE アカウントの登録。",
        need: Need::Can(Feature::TestRecipients, Action::View),
    },
    Area {
        slug: "surveys",
        label: "アンケート",
        summary: "LIFF で回答するアンケートの作成・変更と、回答の CSV 出力。",
        need: Need::Can(Feature::Surveys, Action::View),
    },
    Area {
        slug: "rich-menus",
        label: "リッチメニュー",
        summary: "トーク画面下部の画像付きメニューの作成・変更と、配信対象ごとの切り替え。",
        need: Need::Can(Feature::RichMenus, Action::View),
    },
    Area {
        slug: "chatbot",
        label: "チャットボット",
        summary: "選択肢をタップして答える「よくある質問」の自動応答の作成・変更。",
        need: Need::Can(Feature::Chatbot, Action::View),
    },
    Area {
        slug: "templates",
        label: "定型文",
        summary: "よく使うメッセージを部署ごとに保存し、配信などで使い回す。",
        need: Need::Can(Feature::Templates, Action::View),
    },
    Area {
        slug: "media",
        label: "画像",
        summary: "メッセージに使う画像のアップロードと管理（LINE に合わせたサイズを自動で用意）。",
        need: Need::Can(Feature::Templates, Action::View),
    },
    Area {
        slug: "friends",
        label: "友だち",
        summary: "友だち追加した利用者の一覧と、属性情報の閲覧・編集・CSV 出力。",
        need: Need::Can(Feature::FriendAttributes, Action::View),
    },
    Area {
        slug: "simulator",
        label: "LINEシミュレーター",
        summary: "LINE を使わずに、友だち追加・メッセージ送信・ボタン操作を試せる内蔵のサンドボックス。",
        need: Need::Can(Feature::Simulator, Action::View),
    },
    Area {
        slug: "staff",
        label: "管理者",
        summary: "管理者アカウントの追加・権限・担当部署の設定。",
        need: Need::Admin,
    },
    Area {
        slug: "logs",
        label: "ログ",
        summary: "ログイン履歴（ロック状況を含む）と操作ログの閲覧・検索・CSV 出力。",
        need: Need::Can(Feature::Logs, Action::View),
    },
    Area {
        slug: "settings",
        label: "設定",
        summary: "LINE チャネル、あいさつメッセージ、接続元 IP 制限などの設定。",
        need: Need::Admin,
    },
];

pub fn area(slug: &str) -> Option<&'static Area> {
    AREAS.iter().find(|a| a.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_has_a_unique_slug_and_a_japanese_label() {
        for (i, a) in AREAS.iter().enumerate() {
            assert!(
                AREAS[i + 1..].iter().all(|b| b.slug != a.slug),
                "{}",
                a.slug
            );
            assert!(!a.label.is_ascii(), "{}", a.label);
            assert_eq!(area(a.slug).map(|x| x.label), Some(a.label));
        }
        assert_eq!(AREAS.len(), 13);
    }
}
