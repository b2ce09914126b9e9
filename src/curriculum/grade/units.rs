//! Units a numeric check may declare (`unit = "g"`), grouped by what they measure, with the
//! factor to the dimension's base unit. Conversion happens only within one dimension.

/// One unit and its spellings.
#[derive(Debug, PartialEq)]
pub struct Unit {
    /// The symbol shown in feedback.
    pub symbol: &'static str,
    /// What it measures ("length", "mass"...).
    pub dimension: &'static str,
    /// How many base units one of it is.
    pub factor: f64,
    /// Other spellings (lower case), singular and plural.
    pub names: &'static [&'static str],
}

/// Every known unit.
pub const UNITS: &[Unit] = &[
    u(
        "mm",
        "length",
        0.001,
        &["millimetre", "millimetres", "millimeter", "millimeters"],
    ),
    u(
        "cm",
        "length",
        0.01,
        &["centimetre", "centimetres", "centimeter", "centimeters"],
    ),
    u("m", "length", 1.0, &["metre", "metres", "meter", "meters"]),
    u(
        "km",
        "length",
        1000.0,
        &["kilometre", "kilometres", "kilometer", "kilometers"],
    ),
    u("inch", "length", 0.0254, &["inches"]),
    u("ft", "length", 0.3048, &["foot", "feet"]),
    u(
        "mg",
        "mass",
        0.001,
        &["milligram", "milligrams", "milligramme", "milligrammes"],
    ),
    u(
        "g",
        "mass",
        1.0,
        &["gram", "grams", "gramme", "grammes", "gr"],
    ),
    u(
        "kg",
        "mass",
        1000.0,
        &[
            "kilogram",
            "kilograms",
            "kilogramme",
            "kilogrammes",
            "kilo",
            "kilos",
        ],
    ),
    u(
        "ml",
        "volume",
        0.001,
        &[
            "millilitre",
            "millilitres",
            "milliliter",
            "milliliters",
            "mL",
        ],
    ),
    u(
        "cl",
        "volume",
        0.01,
        &["centilitre", "centilitres", "centiliter", "centiliters"],
    ),
    u(
        "l",
        "volume",
        1.0,
        &["litre", "litres", "liter", "liters", "L"],
    ),
    u("ms", "time", 0.001, &["millisecond", "milliseconds"]),
    u("s", "time", 1.0, &["sec", "secs", "second", "seconds"]),
    u("min", "time", 60.0, &["mins", "minute", "minutes"]),
    u("h", "time", 3600.0, &["hr", "hrs", "hour", "hours"]),
    u(
        "°c",
        "temperature",
        1.0,
        &["°", "degrees", "degree", "celsius", "degrees celsius"],
    ),
];

const fn u(
    symbol: &'static str,
    dimension: &'static str,
    factor: f64,
    names: &'static [&'static str],
) -> Unit {
    Unit {
        symbol,
        dimension,
        factor,
        names,
    }
}

/// The unit written as `word` (any case), if known.
pub fn find(word: &str) -> Option<&'static Unit> {
    let w = word.trim().to_lowercase();
    UNITS
        .iter()
        .find(|u| u.symbol == w || u.names.iter().any(|n| n.to_lowercase() == w))
}

/// `value` in `from` expressed in `to`, when both measure the same thing.
pub fn convert(value: f64, from: &Unit, to: &Unit) -> Option<f64> {
    (from.dimension == to.dimension).then(|| value * from.factor / to.factor)
}
