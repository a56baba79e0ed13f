//! A repair order's printed documents, in Chinese, on A4: the repair order
//! itself (委托书, the walk-around and the work), the estimate the customer
//! signs before work starts (估价单), and the settlement statement at
//! delivery (结算单). Laid out here from the order's data; drawn by the
//! outreach engine's print module with the letters' font.

use super::settlement::quantity_text;
use super::{Line, RepairOrder};
use kefu_core::Money;
use kefu_core::time::BusinessZone;
use kefu_outreach::channels::print::{A4_HEIGHT, A4_WIDTH, MM, PrintFont, Sheet, render, wrap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    RepairOrder,
    Estimate,
    Settlement,
}

impl Document {
    pub fn parse(code: &str) -> Option<Document> {
        match code {
            "order" => Some(Document::RepairOrder),
            "estimate" => Some(Document::Estimate),
            "settlement" => Some(Document::Settlement),
            _ => None,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Document::RepairOrder => "维修委托书（派工单）",
            Document::Estimate => "维修估价单",
            Document::Settlement => "维修结算单",
        }
    }
}

/// Who and what the document is about, as the reader may see it (the
/// mobile masked for roles without personal data).
pub struct Parties {
    pub store: String,
    pub store_address: String,
    pub store_phone: String,
    pub customer: String,
    pub mobile: String,
    pub plate: String,
    pub vin: String,
    pub model: String,
}

const LEFT: f32 = 18.0 * MM;
const RIGHT: f32 = A4_WIDTH - 18.0 * MM;
const BOTTOM: f32 = A4_HEIGHT - 22.0 * MM;
const TEXT: f32 = 10.0;
const SMALL: f32 = 8.5;
const LEADING: f32 = 1.6;

/// The lines' table: the item and its kind start at their columns; the
/// quantity, unit price and amount end at theirs (numbers flush right); the
/// payer starts at the last.
const ITEM: f32 = LEFT;
const KIND: f32 = LEFT + 74.0 * MM;
const QUANTITY_END: f32 = LEFT + 102.0 * MM;
const UNIT_END: f32 = LEFT + 126.0 * MM;
const AMOUNT_END: f32 = LEFT + 152.0 * MM;
const PAYER: f32 = LEFT + 158.0 * MM;

struct Pages<'a> {
    font: &'a PrintFont,
    sheets: Vec<Sheet>,
    y: f32,
}

impl Pages<'_> {
    fn sheet(&mut self) -> &mut Sheet {
        self.sheets.last_mut().expect("there is always a page")
    }

    fn width(&self, size: f32, text: &str) -> f32 {
        self.font.measure(size).width(text)
    }

    /// Room for `height` more points, or a new page.
    fn need(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.sheets.push(Sheet::default());
            self.y = 20.0 * MM;
        }
    }

    fn line(&mut self, x: f32, size: f32, text: &str) {
        self.need(size * LEADING);
        let y = self.y;
        self.sheet().text(x, y, size, text);
        self.y += size * LEADING;
    }

    /// Text wrapped to the page's measure, after a label.
    fn paragraph(&mut self, label: &str, text: &str) {
        let indent = self.width(TEXT, label);
        let lines = wrap(text, RIGHT - LEFT - indent, &|s| self.font.measure(TEXT).width(s));
        self.need(TEXT * LEADING);
        let y = self.y;
        self.sheet().text(LEFT, y, TEXT, label);
        for l in if lines.is_empty() { vec![String::new()] } else { lines } {
            self.line(LEFT + indent, TEXT, &l);
        }
    }

    fn right(&mut self, right_edge: f32, size: f32, text: &str) {
        let x = right_edge - self.width(size, text) - 2.0;
        let y = self.y;
        self.sheet().text(x, y, size, text);
    }

    fn rule(&mut self) {
        let y = self.y - TEXT * 1.1;
        self.sheet().rules.push((LEFT, y, RIGHT - LEFT));
    }

    fn row(&mut self, cells: [&str; 6], size: f32) {
        self.need(size * LEADING);
        let y = self.y;
        self.sheet().text(ITEM, y, size, cells[0]);
        self.sheet().text(KIND, y, size, cells[1]);
        self.right(QUANTITY_END, size, cells[2]);
        self.right(UNIT_END, size, cells[3]);
        self.right(AMOUNT_END, size, cells[4]);
        self.sheet().text(PAYER, y, size, cells[5]);
        self.y += size * LEADING;
    }
}

fn kind_text(l: &Line) -> &'static str {
    match l.kind {
        super::LineKind::Labour => "工时",
        super::LineKind::Part => "配件",
    }
}

fn payer_text(l: &Line) -> &'static str {
    match l.payer {
        super::Payer::Customer => "客户",
        super::Payer::Warranty => "索赔",
        super::Payer::Insurance => "保险",
    }
}

const ZONES: [(&str, &str); 10] = [
    ("front_bumper", "前保险杠"),
    ("rear_bumper", "后保险杠"),
    ("bonnet", "发动机盖"),
    ("roof", "车顶"),
    ("boot", "后备箱盖"),
    ("left_front", "左前侧"),
    ("left_rear", "左后侧"),
    ("right_front", "右前侧"),
    ("right_rear", "右后侧"),
    ("glass", "玻璃"),
];
const MARKS: [(&str, &str); 3] = [("scratch", "划痕"), ("dent", "凹陷"), ("crack", "破损")];

fn named<'a>(table: &[(&str, &'a str)], code: &'a str) -> &'a str {
    table.iter().find(|(c, _)| *c == code).map_or(code, |(_, name)| name)
}

/// Lays out and draws the document as a PDF.
pub fn pdf(
    font: &PrintFont,
    doc: Document,
    o: &RepairOrder,
    who: &Parties,
    zone: &BusinessZone,
) -> Result<Vec<u8>, String> {
    let mut p = Pages { font, sheets: vec![Sheet::default()], y: 20.0 * MM };
    // The letterhead and the title.
    p.line(LEFT, 15.0, &who.store);
    p.line(LEFT, SMALL, &format!("{}　电话：{}", who.store_address, who.store_phone));
    p.y += 4.0 * MM;
    let title = doc.title();
    let x = (A4_WIDTH - p.width(16.0, title)) / 2.0;
    p.line(x, 16.0, title);
    p.line(
        LEFT,
        TEXT,
        &format!("单号：{}　　开单：{}　　服务顾问：{}", o.order_no, zone.display(o.opened_at), o.advisor),
    );
    p.rule();

    p.line(LEFT, TEXT, &format!("客户：{}　　电话：{}", who.customer, who.mobile));
    p.line(LEFT, TEXT, &format!("车牌：{}　　车架号：{}　　车型：{}", who.plate, who.vin, who.model));
    let mileage = o.mileage_km.map_or(String::new(), |k| format!("{k} 公里"));
    let fuel = o.fuel_eighths.map_or(String::new(), |f| format!("{f}/8"));
    p.line(LEFT, TEXT, &format!("进厂里程：{mileage}　　油量：{fuel}"));
    if doc != Document::Settlement {
        p.paragraph("客户描述：", &o.complaint);
        p.paragraph("初步诊断：", &o.diagnosis);
    }
    if doc == Document::RepairOrder {
        let damage: Vec<String> =
            o.damage.iter().map(|d| format!("{}{}", named(&ZONES, &d.zone), named(&MARKS, &d.mark))).collect();
        p.paragraph("外观检查：", &if damage.is_empty() { "无损伤".to_string() } else { damage.join("、") });
        p.line(
            LEFT,
            TEXT,
            &format!(
                "贵重物品：{}　　维修技师：{}　　预计交车：{}",
                if o.valuables_reminded { "已提醒客户带走" } else { "未提醒" },
                o.technician,
                o.promised_at.map(|t| zone.display(t)).unwrap_or_default()
            ),
        );
    }
    p.y += 2.0 * MM;
    p.rule();

    // The lines: the estimate shows what is to be signed; the order every
    // line with the customer's answer; the settlement what is billed.
    let lines: Vec<&Line> = match doc {
        Document::Estimate => o.lines.iter().filter(|l| l.origin == "estimate").collect(),
        Document::RepairOrder => o.lines.iter().collect(),
        Document::Settlement => o.lines.iter().filter(|l| l.billed()).collect(),
    };
    p.row(["项目", "类别", "数量", "单价", "金额", "付费方"], TEXT);
    for l in &lines {
        let mut what = l.description.clone();
        if l.origin == "additional" {
            let answer = match l.consent.as_str() {
                "consented" => "增项·已同意",
                "declined" => "增项·客户拒绝",
                _ => "增项·待确认",
            };
            what = format!("{what}（{answer}）");
        }
        p.row(
            [
                &what,
                kind_text(l),
                &quantity_text(l.qty_centi),
                &l.unit.to_string(),
                &l.amount.to_string(),
                payer_text(l),
            ],
            TEXT,
        );
        if doc == Document::Settlement && l.discount != Money::ZERO {
            // The line's share of the discount, under its amount.
            p.need(SMALL * LEADING);
            p.right(AMOUNT_END, SMALL, &format!("优惠 −{}", l.discount));
            p.y += SMALL * LEADING;
        }
    }
    p.y += 2.0 * MM;
    p.rule();

    let t = match (&o.totals, doc) {
        (Some(t), Document::Settlement) => t.clone(),
        _ => o.running_totals(),
    };
    let mut sums = vec![("工时费", t.labour), ("配件费", t.parts), ("合计", t.gross)];
    if doc == Document::Settlement {
        sums.extend([
            ("优惠", t.discount),
            ("厂家索赔", t.warranty),
            ("保险理赔", t.insurance),
            ("客户应付", t.customer),
            ("积分抵扣", t.points),
            ("实收金额", t.cash_due),
        ]);
    } else {
        sums.extend([("厂家索赔", t.warranty), ("保险理赔", t.insurance), ("客户预计自付", t.customer)]);
    }
    for (label, amount) in sums {
        p.need(TEXT * LEADING);
        let y = p.y;
        p.sheet().text(UNIT_END - 20.0 * MM, y, TEXT, label);
        p.right(RIGHT, TEXT, &amount.to_string());
        p.y += TEXT * LEADING;
    }

    p.y += 8.0 * MM;
    let consent = match doc {
        Document::Estimate => {
            "本人已了解上述维修项目、预计时间和费用，同意按此估价施工；维修中如有增加项目，须经本人同意。"
        }
        Document::RepairOrder => "本人确认以上接车检查记录属实，已将车内贵重物品带走。",
        Document::Settlement => "本人已验收车辆，服务顾问已逐项说明收费，确认以上结算金额。",
    };
    p.paragraph("", consent);
    p.y += 6.0 * MM;
    p.need(TEXT * LEADING * 2.0);
    let y = p.y;
    p.sheet().text(LEFT, y, TEXT, "客户签字：");
    p.sheet().rules.push((LEFT + 18.0 * MM, y + 1.0, 50.0 * MM));
    p.sheet().text(LEFT + 90.0 * MM, y, TEXT, "日期：");
    p.sheet().rules.push((LEFT + 101.0 * MM, y + 1.0, 40.0 * MM));
    render(font, p.sheets.iter(), &format!("{} {}", title, o.order_no))
}
