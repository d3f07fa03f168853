//! A chart drawn on the server (`domain::delivery::chart`, SVG text) with its caption and, in
//! a `<details>` beside it, a table of the same figures (for screen readers and exact values).

use leptos::prelude::*;

#[component]
pub fn ChartFigure(
    /// The SVG the server drew (numbers and fixed labels only, escaped there).
    svg: String,
    #[prop(into)] caption: String,
    headings: &'static [&'static str],
    /// One row of cells per point, in the order of `headings`.
    rows: Vec<Vec<String>>,
    test_id: &'static str,
) -> impl IntoView {
    view! {
        <figure class="chart-figure" data-testid=test_id>
            <div class="chart-box" inner_html=svg></div>
            <figcaption>{caption}</figcaption>
            <details>
                <summary>"グラフの数値を表で見る"</summary>
                <table class="data-table" data-testid=format!("{test_id}-table")>
                    <thead>
                        <tr>
                            {headings
                                .iter()
                                .map(|h| view! { <th scope="col">{*h}</th> })
                                .collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|cells| {
                                view! {
                                    <tr>
                                        {cells
                                            .into_iter()
                                            .map(|c| view! { <td>{c}</td> })
                                            .collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}
