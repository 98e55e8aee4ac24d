//! The demo's disputes: a handful at every stage, registered and stepped
//! through the same commands as the pages use, dated in the weeks before
//! today.

use anyhow::Context;
use chrono::{Days, NaiveDate};
use serde_json::json;
use xinfang_app::AppState;
use xinfang_domain::dispute::{DisputeEvent, DisputeInput};

fn input(
    unit: &str,
    on: NaiveDate,
    category: &str,
    place: &str,
    summary: &str,
    parties: &[(&str, &str)],
) -> anyhow::Result<DisputeInput> {
    let parties: Vec<_> = parties
        .iter()
        .enumerate()
        .map(|(i, (name, phone))| {
            json!({"role": if i == 0 { "applicant" } else { "respondent" }, "name": name, "phone": phone})
        })
        .collect();
    Ok(serde_json::from_value(json!({
        "unit": unit, "source": "sweep", "found_on": on, "category": category, "place": place,
        "summary": summary, "claims": "", "parties": parties, "risk": "ordinary"
    }))?)
}

fn step(on: NaiveDate, body: serde_json::Value) -> anyhow::Result<DisputeEvent> {
    let mut v = body;
    v["on"] = json!(on);
    Ok(serde_json::from_value(v)?)
}

/// Registers the demo's disputes, each taken as far as its story goes.
pub async fn seed(st: &AppState, today: NaiveDate) -> anyhow::Result<usize> {
    let user = st.store.user_by_username("dongqiao").await?.context("demo user dongqiao")?;
    let day = |back: u64| today.checked_sub_days(Days::new(back)).unwrap_or(today);
    let stories: Vec<(DisputeInput, Vec<serde_json::Value>, u64)> = vec![
        (
            input(
                "QX-DQZ",
                day(40),
                "neighbour",
                "东桥村3组",
                "两户宅基地边界争执，围墙越界约半米",
                &[("周某", "13905710001"), ("吴某", "13905710002")],
            )?,
            vec![
                json!({"type":"assign","unit":"QX-DQZ-01","person":"东桥村调委会 叶主任","resolve_by": day(10)}),
                json!({"type":"mediate","kind":"people","mediator":"东桥村人民调解委员会"}),
                json!({"type":"session","place":"村委会调解室","notes":"双方到场，现场丈量界址"}),
                json!({"type":"agreement","written":true,"effective_on": day(25),"terms":"吴某于一个月内拆除越界部分围墙，周某给予适当补偿","performance_due": day(0)}),
            ],
            40,
        ),
        (
            input(
                "QX-DQZ",
                day(20),
                "labour",
                "东桥镇工业园",
                "食品厂 6 名工人加班费计算争议",
                &[("工人代表 陈某", "13905710003"), ("某食品有限公司", "")],
            )?,
            vec![json!({"type":"assign","unit":"QX-DQZ","person":"镇司法所 彭德明","resolve_by": day(0)})],
            20,
        ),
        (
            input(
                "QX-DQZ",
                day(3),
                "property",
                "东桥镇锦华小区",
                "业主与物业因电梯维修费用分摊发生争执",
                &[("业主代表 何某", "13905710004"), ("某物业服务公司", "")],
            )?,
            Vec::new(),
            3,
        ),
    ];
    let mut made = 0;
    for (input, steps, back) in stories {
        let (id, _) =
            xinfang_app::disputes::register(st, &user, &input).await.map_err(|e| anyhow::anyhow!(e.summary()))?;
        for (i, s) in steps.into_iter().enumerate() {
            let on = day(back.saturating_sub(1 + 5 * i as u64));
            xinfang_app::disputes::record_step(st, &user, id, step(on, s)?)
                .await
                .map_err(|e| anyhow::anyhow!(e.summary()))?;
        }
        made += 1;
    }
    Ok(made)
}
