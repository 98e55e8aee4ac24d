//! A seeded generator of realistic Chinese petitions: people, places,
//! topics (wage arrears, land and demolition compensation, property
//! management, pollution, social security …) and their wording. The same
//! seed gives the same petitions, so demo and benchmark corpora repeat.

use xinfang_domain::IdNumber;
use xinfang_domain::petition::{CollectiveInput, PetitionInput, PetitionerInput};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
    "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "建国", "建华", "国强", "志强", "春梅", "海燕", "玉兰", "文华", "德明", "红梅",
    "永福", "金凤", "立新", "淑珍", "卫东", "小军", "凤英",
];
const COMPANIES: &[&str] = &[
    "青溪宏达建筑工程有限公司",
    "青溪县鑫源物业服务有限公司",
    "东桥恒通置业有限公司",
    "青溪县金山石材厂",
    "南山绿源农业开发有限公司",
    "青溪县顺达运输有限公司",
    "北坪新城房地产开发有限公司",
    "西河兴旺养殖专业合作社",
];
const AREA_CODES: &[&str] = &["330127", "330122", "330182", "330183", "341024", "362321"];

/// One topic: what it is about, its content category, which department is competent, and the
/// wording. `{c}` is a company, `{v}` a village, `{t}` a township, `{m}`
/// months, `{y}` a year; `{money}`, `{area}`, `{mu}`, `{income}`, `{meters}`,
/// `{years}`, `{shed}`, `{km}` and `{cm}` measures, each in a range a real
/// petition gives (a house of 60–260 m², 1–9 亩 of land, a boundary 10–90 cm
/// over).
struct Topic {
    subject: &'static str,
    /// 内容分类 (data/categories/content-categories.tsv).
    category: &'static str,
    department: &'static str,
    request: &'static str,
    facts: &'static str,
    reasons: &'static str,
}

const TOPICS: &[Topic] = &[
    Topic {
        subject: "反映{c}拖欠农民工工资",
        category: "0201",
        department: "QX-RSJ",
        request: "请求责令{c}支付拖欠的工资共计{money}元。",
        facts: "本人于{y}年在{c}承建的项目务工，{m}个月工资至今未结清，多次讨要无果，包工头已联系不上。",
        reasons: "劳动者付出劳动理应按时足额取得报酬，《保障农民工工资支付条例》明确规定不得拖欠。",
    },
    Topic {
        subject: "{v}征地拆迁补偿标准问题",
        category: "0101",
        department: "QX-ZRZY",
        request: "请求按现行标准重新核定房屋拆迁补偿，补足差额。",
        facts: "{y}年{v}实施征地，我家住房面积{area}平方米，补偿按旧标准计算，与周边项目相差较大。",
        reasons: "同一时期同类房屋补偿标准应当一致，征收程序应当公开。",
    },
    Topic {
        subject: "小区物业服务不到位",
        category: "0104",
        department: "QX-ZJJ",
        request: "请求督促{c}履行物业服务合同，修复电梯和消防设施。",
        facts: "{t}某小区电梯已停运{m}个月，消防栓无水，物业仍按原标准收费。",
        reasons: "物业公司收取费用应当提供合同约定的服务，安全隐患威胁居民生命财产安全。",
    },
    Topic {
        subject: "{v}土地承包经营权纠纷",
        category: "0301",
        department: "QX-NYNCJ",
        request: "请求依法确认本户土地承包经营权，恢复被占用的{mu}亩承包地。",
        facts: "本户承包地自二轮延包以来一直耕种，{y}年被村组调整给他人，未经本户同意。",
        reasons: "承包期内发包方不得随意调整承包地，《农村土地承包法》有明确规定。",
    },
    Topic {
        subject: "申请最低生活保障未获批准",
        category: "0802",
        department: "QX-MZJ",
        request: "请求重新审核本户低保申请。",
        facts: "本人患慢性病，家庭月收入不足{income}元，{y}年申请低保，村里评议后未上报。",
        reasons: "本户符合低保条件，评议过程未公示，请求依规核查。",
    },
    Topic {
        subject: "{c}夜间施工噪声扰民",
        category: "0903",
        department: "QX-STHJ",
        request: "请求依法查处夜间违规施工，限定施工时间。",
        facts: "{c}在{t}的工地连续{m}个月晚十点后施工，噪声严重影响附近居民休息。",
        reasons: "夜间施工须经批准并公告，持续噪声损害居民健康。",
    },
    Topic {
        subject: "{t}通村道路破损严重",
        category: "0306",
        department: "QX-ZJJ",
        request: "建议尽快修复{v}通村道路，增设路灯。",
        facts: "{v}通村道路约{meters}米路段坑洼不平，雨天积水，已发生多起摔伤事故。",
        reasons: "道路是群众出行的基本保障，修复费用不高而受益面广。",
    },
    Topic {
        subject: "{c}排放污水污染河道",
        category: "0902",
        department: "QX-STHJ",
        request: "请求查处{c}违法排污，恢复河道水质。",
        facts: "{c}将未经处理的废水排入{v}旁河道，河水发黑发臭，鱼类死亡。",
        reasons: "企业排污须达标，河道污染影响村民饮水和灌溉。",
    },
    Topic {
        subject: "退役军人安置待遇落实问题",
        category: "0806",
        department: "QX-TYJRJ",
        request: "请求落实本人退役安置待遇和优抚补助。",
        facts: "本人{y}年退役返乡，按政策应享受的自主就业补助至今未足额发放。",
        reasons: "退役军人安置政策应当落实到位，保障退役军人合法权益。",
    },
    Topic {
        subject: "原民办教师养老待遇问题",
        category: "0602",
        department: "QX-JYJ",
        request: "请求按政策认定原民办教师教龄并落实养老补助。",
        facts: "本人曾在{v}小学任民办教师{years}年，现已退休，教龄补助未按政策认定。",
        reasons: "原民办教师为乡村教育作出贡献，相关补助政策应当兑现。",
    },
    Topic {
        subject: "商品房逾期交付办证难",
        category: "0105",
        department: "QX-ZJJ",
        request: "请求协调{c}尽快办理不动产权证书。",
        facts: "本人{y}年购买{c}开发的商品房，交房已满{m}个月，至今无法办理产权证。",
        reasons: "开发商应按合同约定协助办理产权登记，购房者合法权益应受保护。",
    },
    Topic {
        subject: "对{t}违建处理的意见",
        category: "0402",
        department: "QX-ZRZY",
        request: "建议依法处理{v}村道旁的违章建筑，恢复道路通行。",
        facts: "{v}村民在村道旁搭建约{shed}平方米的违章建筑，占用道路，影响消防车通行。",
        reasons: "违章建筑影响公共安全和村容村貌，应依法处理。",
    },
    Topic {
        subject: "子女入学划片问题",
        category: "0601",
        department: "QX-JYJ",
        request: "请求按户籍和实际居住地安排子女就近入学。",
        facts: "本户{y}年迁入{t}，子女被安排到距离{km}公里外的学校就读，接送困难。",
        reasons: "义务教育阶段应就近免试入学，划片应考虑实际居住情况。",
    },
    Topic {
        subject: "医疗保险报销争议",
        category: "0502",
        department: "QX-RSJ",
        request: "请求按规定报销住院医疗费用{money}元。",
        facts: "本人{y}年住院治疗，医保经办机构以材料不全为由拒绝报销，补齐材料后仍未处理。",
        reasons: "参保人按规定缴费，符合条件的医疗费用应当报销。",
    },
    Topic {
        subject: "邻里宅基地界址纠纷",
        category: "0303",
        department: "QX-SFJ",
        request: "请求调解处理与邻居的宅基地界址纠纷。",
        facts: "本户与邻居在{v}的宅基地相邻，邻居建房时越界约{cm}厘米，协商未果。",
        reasons: "宅基地界址应以确权登记为准，请求依法调处。",
    },
    Topic {
        subject: "反映{c}非法采砂",
        category: "0403",
        department: "QX-ZRZY",
        request: "请求查处{c}在{v}河段的非法采砂行为。",
        facts: "{c}在{v}河段夜间采砂已持续{m}个月，河岸坍塌，危及农田。",
        reasons: "河道采砂须经许可，非法采砂破坏河道安全。",
    },
];

/// A deterministic random source (SplitMix64 seeding a fastrand generator).
pub struct Gen {
    rng: fastrand::Rng,
}

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen { rng: fastrand::Rng::with_seed(seed) }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.i64(lo..=hi)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    pub fn name(&mut self) -> String {
        format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN))
    }

    pub fn phone(&mut self) -> String {
        let second = *self.pick(&['3', '5', '7', '8', '9']);
        format!("1{second}{:09}", self.rng.u32(0..1_000_000_000))
    }

    pub fn id_number(&mut self) -> String {
        let first17 = format!(
            "{}{:04}{:02}{:02}{:03}",
            self.pick(AREA_CODES),
            self.rng.u32(1950..=2004),
            self.rng.u32(1..=12),
            self.rng.u32(1..=28),
            self.rng.u32(1..1000)
        );
        format!("{first17}{}", IdNumber::check_char(&first17))
    }

    fn fill(&mut self, template: &str, village: &str, township: &str, company: &str, year: i32) -> String {
        // Each measure in the range a real petition gives it.
        let mu = format!("{}.{}", self.rng.u32(1..9), self.rng.u32(0..10));
        template
            .replace("{c}", company)
            .replace("{v}", village)
            .replace("{t}", township)
            .replace("{money}", &(self.rng.u32(30..900) * 100).to_string())
            .replace("{area}", &self.rng.u32(60..260).to_string())
            .replace("{mu}", &mu)
            .replace("{income}", &(self.rng.u32(6..16) * 100).to_string())
            .replace("{meters}", &(self.rng.u32(5..200) * 10).to_string())
            .replace("{years}", &self.rng.u32(6..26).to_string())
            .replace("{shed}", &self.rng.u32(10..80).to_string())
            .replace("{km}", &self.rng.u32(3..16).to_string())
            .replace("{cm}", &self.rng.u32(10..90).to_string())
            .replace("{m}", &self.rng.u32(2..14).to_string())
            .replace("{y}", &year.to_string())
    }

    /// A petition as a clerk would type it, addressed to `unit`; returns the
    /// input and the department competent for its topic.
    pub fn petition(
        &mut self,
        unit: &str,
        received_on: chrono::NaiveDate,
        village: &str,
        township: &str,
        class: &str,
    ) -> (PetitionInput, &'static str) {
        let topic = self.pick(TOPICS);
        let company = *self.pick(COMPANIES);
        let year = chrono::Datelike::year(&received_on) - self.rng.i32(0..4);
        let address = format!("青溪县{township}{village}{}组{}号", self.rng.u32(1..12), self.rng.u32(1..80));
        let collective = self.chance(0.08);
        let count = if collective { self.rng.usize(2..=5) } else { 1 };
        let petitioners: Vec<PetitionerInput> = (0..count)
            .map(|_| PetitionerInput {
                name: self.name(),
                address: Some(address.clone()),
                phone: Some(self.phone()),
                id_number: if self.chance(0.6) { Some(self.id_number()) } else { None },
            })
            .collect();
        let input = PetitionInput {
            channel: self.pick(&["online", "online", "letter", "visit", "visit", "phone", "fax"]).to_string(),
            received_on: received_on.to_string(),
            unit: unit.to_string(),
            class: class.to_string(),
            collective: collective
                .then(|| CollectiveInput { persons: self.range(6, 60), representatives: (0..count as i64).collect() }),
            petitioners,
            subject: Some(self.fill(topic.subject, village, township, company, year)),
            request: self.fill(topic.request, village, township, company, year),
            facts: Some(self.fill(topic.facts, village, township, company, year)),
            reasons: Some(self.fill(topic.reasons, village, township, company, year)),
            respondent_unit: None,
            content_category: Some(topic.category.to_string()),
            problem_unit: None,
        };
        (input, topic.department)
    }
}
