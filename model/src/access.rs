//! Who may do what: roles, per-feature permissions, departments, and [`authorize`], the one
//! function that decides every server function and admin page (the server's middleware calls it
//! with the [`Need`] each endpoint declares).
//!
//! - 管理者 ([`Role::Admin`]) may do everything, including accounts, departments, the IP
//!   allowlist, channels and settings.
//! - 一般 ([`Role::Staff`]) may do what their [`Permission`]s grant, feature by feature and action by
//!   action, and nothing else: a new account starts with none.
//! - Any action on a feature includes viewing it (editing what one cannot see makes no sense).
//! - Items staff create belong to a department; a 一般 user works only on the items of their own
//!   departments unless granted [`Permission::AllDepartments`] ([`Grants::scope`]).
//! - A user whose password was set by someone else must change it before anything else
//!   ([`Need::OwnAccount`] is all they may do).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A member of staff's role. Stored and sent as its key (`admin`, `staff`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::DeriveActiveEnum, sea_orm::EnumIter),
    sea_orm(rs_type = "String", db_type = "Text")
)]
pub enum Role {
    /// 管理者
    #[cfg_attr(feature = "db", sea_orm(string_value = "admin"))]
    Admin,
    /// 一般
    #[cfg_attr(feature = "db", sea_orm(string_value = "staff"))]
    Staff,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Staff];

    /// How the role is stored.
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Admin => "管理者",
            Role::Staff => "一般",
        }
    }

    pub fn from_key(key: &str) -> Result<Role, UnknownKey> {
        Role::ALL
            .into_iter()
            .find(|r| r.key() == key)
            .ok_or_else(|| UnknownKey(format!("権限の種類「{key}」はありません。")))
    }
}

/// A key that names no role or permission; the message says which, in Japanese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKey(pub String);

impl fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnknownKey {}

/// Roles and permissions travel as their keys, as HTML forms send them: a form's `role=staff`
/// and `permissions[]=templates.edit` decode straight into the types.
macro_rules! serde_as_key {
    ($type:ty) => {
        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.key())
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let key = String::deserialize(deserializer)?;
                <$type>::from_key(&key).map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_as_key!(Role);
serde_as_key!(Permission);

/// The feature areas a 一般 user can be given access to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Feature {
    Deliveries,
    Segments,
    Surveys,
    RichMenus,
    Chatbot,
    Templates,
    FriendAttributes,
    TestRecipients,
    Simulator,
    Logs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Action {
    View,
    Edit,
    Send,
    Export,
    Import,
}

/// Every feature with the actions it has, in the order the account editor shows them.
pub const CATALOGUE: &[(Feature, &[Action])] = &[
    (
        Feature::Deliveries,
        &[Action::View, Action::Edit, Action::Send],
    ),
    (Feature::Segments, &[Action::View, Action::Edit]),
    (
        Feature::Surveys,
        &[Action::View, Action::Edit, Action::Export],
    ),
    (Feature::RichMenus, &[Action::View, Action::Edit]),
    (Feature::Chatbot, &[Action::View, Action::Edit]),
    (Feature::Templates, &[Action::View, Action::Edit]),
    (
        Feature::FriendAttributes,
        &[Action::View, Action::Edit, Action::Import, Action::Export],
    ),
    (Feature::TestRecipients, &[Action::View, Action::Edit]),
    (Feature::Simulator, &[Action::View, Action::Edit]),
    (Feature::Logs, &[Action::View]),
];

impl Feature {
    pub fn key(self) -> &'static str {
        match self {
            Feature::Deliveries => "deliveries",
            Feature::Segments => "segments",
            Feature::Surveys => "surveys",
            Feature::RichMenus => "rich_menus",
            Feature::Chatbot => "chatbot",
            Feature::Templates => "templates",
            Feature::FriendAttributes => "friend_attributes",
            Feature::TestRecipients => "test_recipients",
            Feature::Simulator => "simulator",
            Feature::Logs => "logs",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Feature::Deliveries => "配信",
            Feature::Segments => "セグメント",
            Feature::Surveys => "アンケート",
            Feature::RichMenus => "リッチメニュー",
            Feature::Chatbot => "チャットボット",
            Feature::Templates => "定型文",
            Feature::FriendAttributes => "友だち属性",
            Feature::TestRecipients => "テスト配信先",
            Feature::Simulator => "LINEシミュレーター",
            Feature::Logs => "ログ閲覧",
        }
    }

    pub fn actions(self) -> &'static [Action] {
        CATALOGUE
            .iter()
            .find(|(f, _)| *f == self)
            .map_or(&[], |(_, actions)| actions)
    }
}

impl Action {
    pub fn key(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Edit => "edit",
            Action::Send => "send",
            Action::Export => "export",
            Action::Import => "import",
        }
    }

    /// The label of this action on `feature` (the simulator is operated, not edited).
    pub fn label_ja(self, feature: Feature) -> &'static str {
        match (feature, self) {
            (Feature::Simulator, Action::Edit) => "操作",
            (_, Action::View) => "閲覧",
            (_, Action::Edit) => "編集",
            (_, Action::Send) => "送信",
            (_, Action::Export) => "出力",
            (_, Action::Import) => "取込",
        }
    }
}

/// One grant to a 一般 user. Stored and sent as its key (`templates.edit`, `all_departments`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    Do(Feature, Action),
    /// Work on the items of every department, not only one's own.
    AllDepartments,
}

impl Permission {
    /// Every permission there is.
    pub fn all() -> impl Iterator<Item = Permission> {
        CATALOGUE
            .iter()
            .flat_map(|(f, actions)| actions.iter().map(|a| Permission::Do(*f, *a)))
            .chain([Permission::AllDepartments])
    }

    /// How the permission is stored: `feature.action` or `all_departments`.
    pub fn key(self) -> String {
        match self {
            Permission::Do(f, a) => format!("{}.{}", f.key(), a.key()),
            Permission::AllDepartments => "all_departments".into(),
        }
    }

    pub fn from_key(key: &str) -> Result<Permission, UnknownKey> {
        Permission::all()
            .find(|p| p.key() == key)
            .ok_or_else(|| UnknownKey(format!("権限「{key}」はありません。")))
    }

    pub fn label_ja(self) -> String {
        match self {
            Permission::Do(f, a) => format!("{}：{}", f.label_ja(), a.label_ja(f)),
            Permission::AllDepartments => "全部署の項目".into(),
        }
    }
}

/// What an endpoint requires of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Need {
    /// Open to anyone: signing in, signing out, the first-run setup (which checks more itself).
    Anyone,
    /// A signed-in user, even one who must change their password first: who am I, change my
    /// password.
    OwnAccount,
    /// A signed-in user with a password of their own.
    SignedIn,
    /// 管理者 only.
    Admin,
    /// 管理者, or a 一般 user granted this action on this feature.
    Can(Feature, Action),
}

/// What a signed-in user is allowed: their role, their permissions, their departments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    pub role: Role,
    pub permissions: BTreeSet<Permission>,
    pub departments: BTreeSet<i64>,
    pub must_change_password: bool,
}

/// Which departments' items a user works on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Only(BTreeSet<i64>),
}

impl Scope {
    pub fn includes(&self, department_id: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(ids) => ids.contains(&department_id),
        }
    }
}

impl Grants {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the user may do `action` on `feature`; any action includes viewing.
    pub fn can(&self, feature: Feature, action: Action) -> bool {
        self.is_admin()
            || self.permissions.contains(&Permission::Do(feature, action))
            || (action == Action::View
                && self
                    .permissions
                    .iter()
                    .any(|p| matches!(p, Permission::Do(f, _) if *f == feature)))
    }

    pub fn allows(&self, need: Need) -> bool {
        match need {
            Need::Anyone | Need::OwnAccount => true,
            _ if self.must_change_password => false,
            Need::SignedIn => true,
            Need::Admin => self.is_admin(),
            Need::Can(feature, action) => self.can(feature, action),
        }
    }

    /// The departments whose items the user works on.
    pub fn scope(&self) -> Scope {
        if self.is_admin() || self.permissions.contains(&Permission::AllDepartments) {
            Scope::All
        } else {
            Scope::Only(self.departments.clone())
        }
    }
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not signed in (401).
    SignIn,
    /// Signed in, but must change the password first.
    ChangePassword,
    /// Signed in, not allowed (403).
    Forbidden,
}

/// The one authorization decision: may a caller with `grants` (none: not signed in) reach an
/// endpoint that needs `need`?
pub fn authorize(grants: Option<&Grants>, need: Need) -> Result<(), Refusal> {
    match (grants, need) {
        (_, Need::Anyone) => Ok(()),
        (None, _) => Err(Refusal::SignIn),
        (Some(g), need) if g.allows(need) => Ok(()),
        (Some(g), _) if g.must_change_password => Err(Refusal::ChangePassword),
        (Some(_), _) => Err(Refusal::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(permissions: &[Permission]) -> Grants {
        Grants {
            role: Role::Staff,
            permissions: permissions.iter().copied().collect(),
            departments: [1].into(),
            must_change_password: false,
        }
    }

    #[test]
    fn permission_keys_round_trip_and_are_unique() {
        let all: Vec<Permission> = Permission::all().collect();
        let keys: BTreeSet<String> = all.iter().map(|p| p.key()).collect();
        assert_eq!(keys.len(), all.len());
        for p in &all {
            assert_eq!(Permission::from_key(&p.key()).unwrap(), *p);
            assert!(!p.label_ja().is_ascii(), "{}", p.label_ja());
        }
        assert_eq!(
            Permission::Do(Feature::Deliveries, Action::Send).key(),
            "deliveries.send"
        );
        assert!(Permission::from_key("deliveries.import").is_err());
        assert!(Permission::from_key("admin").is_err());
        assert_eq!(Role::from_key("admin").unwrap(), Role::Admin);
        assert!(Role::from_key("root").is_err());
    }

    #[test]
    fn a_new_user_may_do_nothing_but_their_own_account() {
        let g = staff(&[]);
        assert!(authorize(Some(&g), Need::OwnAccount).is_ok());
        assert!(authorize(Some(&g), Need::SignedIn).is_ok());
        assert_eq!(authorize(Some(&g), Need::Admin), Err(Refusal::Forbidden));
        for (feature, actions) in CATALOGUE {
            for action in *actions {
                assert_eq!(
                    authorize(Some(&g), Need::Can(*feature, *action)),
                    Err(Refusal::Forbidden)
                );
            }
        }
        assert_eq!(g.scope(), Scope::Only([1].into()));
    }

    #[test]
    fn a_grant_allows_its_action_and_viewing_but_nothing_else() {
        let g = staff(&[Permission::Do(Feature::Deliveries, Action::Send)]);
        assert!(g.allows(Need::Can(Feature::Deliveries, Action::Send)));
        assert!(g.allows(Need::Can(Feature::Deliveries, Action::View)));
        assert!(!g.allows(Need::Can(Feature::Deliveries, Action::Edit)));
        assert!(!g.allows(Need::Can(Feature::Segments, Action::View)));
        assert!(!g.allows(Need::Admin));
    }

    #[test]
    fn administrators_may_do_everything_and_see_every_department() {
        let admin = Grants {
            role: Role::Admin,
            permissions: BTreeSet::new(),
            departments: BTreeSet::new(),
            must_change_password: false,
        };
        assert!(admin.allows(Need::Admin));
        assert!(admin.allows(Need::Can(Feature::FriendAttributes, Action::Import)));
        assert_eq!(admin.scope(), Scope::All);
        let everywhere = staff(&[Permission::AllDepartments]);
        assert_eq!(everywhere.scope(), Scope::All);
        assert!(everywhere.scope().includes(99));
        assert!(!staff(&[]).scope().includes(99));
    }

    #[test]
    fn a_password_set_by_someone_else_must_be_changed_first() {
        let mut admin = staff(&[]);
        admin.role = Role::Admin;
        admin.must_change_password = true;
        assert!(authorize(Some(&admin), Need::OwnAccount).is_ok());
        for need in [
            Need::SignedIn,
            Need::Admin,
            Need::Can(Feature::Logs, Action::View),
        ] {
            assert_eq!(authorize(Some(&admin), need), Err(Refusal::ChangePassword));
        }
        assert_eq!(authorize(None, Need::OwnAccount), Err(Refusal::SignIn));
        assert!(authorize(None, Need::Anyone).is_ok());
    }
}
