//! 部署の管理: the city's departments, which scope what staff see.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::{
    CreateDepartment, DeleteDepartment, DepartmentRow, RenameDepartment, list_departments,
};
use crate::components::{AsyncView, DataTable, Outcome};

#[component]
pub fn DepartmentsPage() -> impl IntoView {
    let create = ServerAction::<CreateDepartment>::new();
    let rename = ServerAction::<RenameDepartment>::new();
    let delete = ServerAction::<DeleteDepartment>::new();
    let departments = Resource::new(
        move || {
            (
                create.version().get(),
                rename.version().get(),
                delete.version().get(),
            )
        },
        |_| list_departments(),
    );
    view! {
        <Title text="部署の管理" />
        <p>
            <A href="/admin/staff">"← 職員アカウント一覧"</A>
        </p>
        <h1>"部署の管理"</h1>
        <p class="hint">
            "職員は1つ以上の部署に所属し、定型文などは部署ごとに管理されます。職員や項目が残っている部署は削除できません。"
        </p>
        <ActionForm action=create attr:class="filters panel" attr:data-testid="new-department">
            <div class="field">
                <label for="department-name">"新しい部署名"</label>
                <input id="department-name" name="name" required maxlength="100" />
            </div>
            <button type="submit" class="button primary">
                "追加"
            </button>
        </ActionForm>
        <Outcome value=create.value() done="部署を追加しました。" />
        <Outcome value=rename.value() done="部署名を変更しました。" />
        <Outcome value=delete.value() done="部署を削除しました。" />
        <AsyncView resource=departments let:list>
            <DataTable test_id="departments" headings=&["部署名", "職員数", "操作"]>
                {list
                    .into_iter()
                    .map(|d| view! { <DepartmentLine department=d rename delete /> })
                    .collect_view()}
            </DataTable>
        </AsyncView>
    }
}

#[component]
fn DepartmentLine(
    department: DepartmentRow,
    rename: ServerAction<RenameDepartment>,
    delete: ServerAction<DeleteDepartment>,
) -> impl IntoView {
    let id = department.id;
    let label = format!("{}の新しい名前", department.name);
    let name = department.name.clone();
    view! {
        <tr data-department=department.name>
            <td>
                <ActionForm action=rename attr:class="inline-form">
                    <input type="hidden" name="id" value=id />
                    <input name="name" required maxlength="100" value=name aria-label=label />
                    <button type="submit" class="button small ghost">
                        "名前を変更"
                    </button>
                </ActionForm>
            </td>
            <td>{department.members}</td>
            <td>
                <ActionForm action=delete>
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button small danger">
                        "削除"
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}
