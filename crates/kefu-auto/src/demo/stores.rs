//! The dealer group the generated data belongs to: the group and its stores
//! in several cities, each selling one brand line, with its service
//! advisors, its streets and where its customers register their cars.

use super::vehicles::{self, Line, Region};

pub const GROUP_CODE: &str = "HXQC";
pub const GROUP_NAME: &str = "华星汽车集团";

pub struct Store {
    pub code: &'static str,
    pub name: &'static str,
    /// The city as it starts an address ("北京市") and a company name ("北京").
    pub city: &'static str,
    pub district: &'static str,
    pub area_code: &'static str,
    pub streets: &'static [&'static str],
    pub line: Line,
    pub advisors: &'static [&'static str],
    /// Most customers' plates come from here…
    pub home: Region,
    /// …and one in ten from the neighbouring province (commuters).
    pub neighbour: Region,
}

impl Store {
    pub fn city_short(&self) -> &'static str {
        self.city.trim_end_matches('市')
    }
}

/// The demo uses the first two (the Beijing stores); `kefu gen --stores K`
/// the first K.
pub static STORES: [Store; 8] = [
    Store {
        code: "HXQC-BJ01",
        name: "华星一汽-大众朝阳店",
        city: "北京市",
        district: "朝阳区",
        area_code: "010",
        streets: &["建国路", "朝阳北路", "望京街", "酒仙桥路", "北四环中路"],
        line: vehicles::FAW_VW,
        advisors: &["王建国", "李娜", "张磊", "赵敏"],
        home: Region { province: "京", authorities: b"ABCEFGHJKLMNPQ" },
        neighbour: Region { province: "冀", authorities: b"ABCDEFGHJR" },
    },
    Store {
        code: "HXQC-BJ02",
        name: "华星广汽丰田海淀店",
        city: "北京市",
        district: "海淀区",
        area_code: "010",
        streets: &["中关村大街", "学院路", "西三环北路", "阜成路", "万泉河路"],
        line: vehicles::GAC_TOYOTA,
        advisors: &["刘洋", "陈静", "杨帆", "孙丽"],
        home: Region { province: "京", authorities: b"ABCEFGHJKLMNPQ" },
        neighbour: Region { province: "冀", authorities: b"ABCDEFGHJR" },
    },
    Store {
        code: "HXQC-SH01",
        name: "华星上汽大众浦东店",
        city: "上海市",
        district: "浦东新区",
        area_code: "021",
        streets: &["世纪大道", "张杨路", "浦东南路", "锦绣路", "龙阳路"],
        line: vehicles::SAIC_VW,
        advisors: &["周杰", "吴婷", "徐斌", "朱丽"],
        home: Region { province: "沪", authorities: b"ABCDEFGHJKLMN" },
        neighbour: Region { province: "苏", authorities: b"ABEF" },
    },
    Store {
        code: "HXQC-GZ01",
        name: "华星广汽本田天河店",
        city: "广州市",
        district: "天河区",
        area_code: "020",
        streets: &["天河路", "黄埔大道", "中山大道", "体育西路", "林和西路"],
        line: vehicles::GAC_HONDA,
        advisors: &["黄伟", "梁静", "何军", "罗敏"],
        home: Region { province: "粤", authorities: b"A" },
        neighbour: Region { province: "粤", authorities: b"EST" },
    },
    Store {
        code: "HXQC-SZ01",
        name: "华星比亚迪南山店",
        city: "深圳市",
        district: "南山区",
        area_code: "0755",
        streets: &["深南大道", "南海大道", "科技园路", "后海大道", "沙河西路"],
        line: vehicles::BYD,
        advisors: &["郑浩", "林欣", "谢鹏", "宋洁"],
        home: Region { province: "粤", authorities: b"B" },
        neighbour: Region { province: "粤", authorities: b"LS" },
    },
    Store {
        code: "HXQC-HZ01",
        name: "华星吉利西湖店",
        city: "杭州市",
        district: "西湖区",
        area_code: "0571",
        streets: &["文三路", "天目山路", "古墩路", "西溪路", "教工路"],
        line: vehicles::GEELY,
        advisors: &["许峰", "韩雪", "冯亮", "邓颖"],
        home: Region { province: "浙", authorities: b"A" },
        neighbour: Region { province: "浙", authorities: b"CDF" },
    },
    Store {
        code: "HXQC-CD01",
        name: "华星一汽丰田武侯店",
        city: "成都市",
        district: "武侯区",
        area_code: "028",
        streets: &["人民南路", "科华北路", "武侯祠大街", "一环路南", "高升桥路"],
        line: vehicles::FAW_TOYOTA,
        advisors: &["曹刚", "彭丽", "曾宇", "肖娟"],
        home: Region { province: "川", authorities: b"AG" },
        neighbour: Region { province: "渝", authorities: b"ABCD" },
    },
    Store {
        code: "HXQC-WH01",
        name: "华星东风日产洪山店",
        city: "武汉市",
        district: "洪山区",
        area_code: "027",
        streets: &["珞喻路", "雄楚大道", "民族大道", "光谷大道", "鲁磨路"],
        line: vehicles::DF_NISSAN,
        advisors: &["田勇", "董梅", "袁涛", "潘玲"],
        home: Region { province: "鄂", authorities: b"A" },
        neighbour: Region { province: "鄂", authorities: b"FKL" },
    },
];
