//! The enums whose values are stored and sent as codes: each declared once,
//! with the one list of its values (`ALL`), its code and the way back from a
//! code. Labels are the interface's, in the i18n catalogues, not here.

/// Declares `enum $name { $variant => "code", … }` with `ALL`, `code` and
/// `from_code`.
macro_rules! codes {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the order lists show them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored code.
            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}

pub(crate) use codes;
