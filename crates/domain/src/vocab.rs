//! The shape of a vocabulary enum (a word of the domain): spelled in English
//! snake_case on the wire, with its Chinese label for pages and explanations.
//! Each module declares its own words with [`vocabulary!`].

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal / $zh:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The wire name (snake_case English).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
            /// The Chinese label.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
            /// Parses the wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use vocabulary;
