//! Houses (房屋) as an estate numbers them: estate (小区) → building (楼栋)
//! → unit (单元) → house, the number front-desk staff type (`number.rs`),
//! the areas in m² (`area.rs`), and what a house is and how it stands.

mod area;
mod number;

pub use area::Area;
pub use number::HouseNo;

use crate::codes::codes;

codes! {
    /// What a house is; a fee item names the kinds it applies to.
    pub enum HouseKind {
        Residence => "residence",
        Shop => "shop",
        ParkingSpace => "parking_space",
    }
}

codes! {
    /// How a house stands.
    pub enum HouseState {
        /// Not yet sold: the developer's.
        Unsold => "unsold",
        /// Sold, nobody living there.
        Vacant => "vacant",
        /// The owner lives there.
        Occupied => "occupied",
        /// Let to a tenant.
        Let => "let",
        /// Being decorated (装修中), under a decoration permit.
        Decorating => "decorating",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_has_one_code_that_reads_back() {
        for kind in HouseKind::ALL {
            assert_eq!(HouseKind::from_code(kind.code()), Some(*kind));
        }
        for state in HouseState::ALL {
            assert_eq!(HouseState::from_code(state.code()), Some(*state));
        }
        assert_eq!(HouseKind::ALL.len(), 3);
        assert_eq!(HouseState::ALL.len(), 5);
        assert_eq!(HouseState::from_code("sold"), None);
        assert_eq!(HouseKind::ParkingSpace.code(), "parking_space");
    }
}
