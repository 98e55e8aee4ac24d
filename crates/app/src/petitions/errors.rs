//! The petitions module's refusals, each with a name, so a handler, a test
//! or a reader finds every place that gives it. Each returns the
//! [`Error`] the web maps to a status and the CLI prints.

use crate::error::Error;
use xinfang_domain::Role;
use xinfang_store::Unit;

/// A role that reads only (supervisor, auditor) tried to act.
pub fn read_only(role: Role) -> Error {
    Error::forbidden(format!("{}只能查看，不能办理信访事项", role.label()))
}

/// The case is handled at a unit that is not the user's nor below it.
pub fn handled_elsewhere(unit: &Unit) -> Error {
    Error::forbidden(format!("该信访事项当前由{}办理，本单位不能办理", unit.name))
}

/// Art. 23 ¶3: the unit that received a transfer or assignment objects to
/// it, not the unit that sent it.
pub fn objection_by_receiver(unit: &Unit) -> Error {
    Error::forbidden(format!("异议只能由收到转送、交办的单位（{}）提出（《信访工作条例》第二十三条第三款）", unit.name))
}

/// Art. 34: the unit handling the case asks for an extension.
pub fn extension_at_the_unit(unit: &Unit) -> Error {
    Error::forbidden(format!("延期只能由承办单位（{}）申请（《信访工作条例》第三十四条）", unit.name))
}

/// Art. 34: 本机关、单位负责人批准.
pub fn extension_by_a_leader(unit: &Unit) -> Error {
    Error::forbidden(format!("延期须由承办单位（{}）的负责人批准（《信访工作条例》第三十四条）", unit.name))
}

/// A handler is an active account of the unit that has the case.
pub fn not_a_handler_of(unit: &Unit, username: &str) -> Error {
    Error::field(
        "user",
        "not_a_handler",
        format!(
            "{} 不是{}的在岗工作人员：承办人须是本单位可办理信访事项的用户",
            username.chars().take(64).collect::<String>(),
            unit.name
        ),
    )
}

/// A clerk registers only what their unit or a unit below it received.
pub fn registered_outside() -> Error {
    Error::forbidden("只能登记本单位及下级单位收到的信访事项")
}

/// No unit has the code given in `field`.
pub fn unknown_unit(field: &str, code: &str) -> Error {
    Error::field(field, "unknown_unit", format!("单位代码 {code} 不存在"))
}

/// The unit in `field` is stopped (停用) and receives nothing new.
pub fn unit_stopped(field: &str, unit: &Unit) -> Error {
    Error::field(field, "unit_disabled", format!("{}已停用，不能再接收信访事项", unit.name))
}

/// An online submission is one person's, online, naming no unit reported on.
pub fn not_an_online_submission() -> Error {
    Error::bad_request("invalid_public_submission", "网上提交只能是个人的网上信访")
}

/// An online submission needs a phone: its last four digits open the look-up.
pub fn phone_required() -> Error {
    Error::field("petitioners[0].phone", "required", "请填写联系电话：查询办理进展时需要电话后四位")
}

/// The petitioner's own steps are the evaluation and the two requests.
pub fn not_a_petitioner_step() -> Error {
    Error::forbidden("信访人只能评价、申请复查或申请复核")
}

/// The query code and phone suffix match no case (one answer for every
/// failure, so that codes cannot be probed).
pub fn lookup_failed() -> Error {
    Error::NotFound("未找到与查询码和电话后四位相符的信访事项".into())
}

/// The case kept changing under five tries of a step.
pub fn too_busy() -> Error {
    Error::conflict("conflict", "该信访事项正被频繁更新，请稍后重试")
}

/// Linking a petition as a repeat of itself.
pub fn repeat_of_itself() -> Error {
    Error::field("of", "self", "不能把信访事项关联为它自己的重复件")
}

/// The petition to link to does not exist or is not visible.
pub fn repeat_of_unknown() -> Error {
    Error::field("of", "unknown_petition", "要关联的信访事项不存在")
}

/// A repeat links to an earlier petition only.
pub fn repeat_of_later() -> Error {
    Error::field("of", "not_earlier", "只能关联到比本件更早登记的信访事项")
}

/// A petition that others are linked to as their original stays one.
pub fn has_repeats() -> Error {
    Error::conflict("has_repeats", "已有其他信访事项作为本件的重复件关联到本件，不能再把本件关联为重复件")
}
