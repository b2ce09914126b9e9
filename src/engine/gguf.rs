//! A small, defensive GGUF header reader.
//!
//! It reads the metadata and tensor table of a `.gguf` file without loading weights, so that
//! `tutor model info` is instant and a bad file (not GGUF, truncated, unreadable) is reported with
//! a clear message *before* llama.cpp maps it. Every length read from the file is bounded, so
//! random bytes can never make it allocate wildly or panic.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 4] = b"GGUF";
const MAX_STRING: u64 = 64 << 20;
const MAX_ITEMS: u64 = 1 << 24;

/// What can be wrong with a model file.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    /// The file does not exist.
    #[error("model file {path} does not exist; put a .gguf model there or pass --model PATH")]
    Missing { path: PathBuf },
    /// The file exists but cannot be read.
    #[error("cannot read model file {path}: {source}; check its permissions")]
    Unreadable { path: PathBuf, source: io::Error },
    /// The file is not GGUF at all.
    #[error(
        "{path} is not a GGUF model (it does not start with the GGUF signature); download a .gguf file"
    )]
    NotGguf { path: PathBuf },
    /// The header or tensor data ends early.
    #[error(
        "{path} is truncated ({have} bytes, at least {need} expected); the download was probably interrupted: fetch it again (make model)"
    )]
    Truncated { path: PathBuf, have: u64, need: u64 },
    /// The header holds values that make no sense.
    #[error("{path} has a corrupt GGUF header ({what}); fetch the model again")]
    Corrupt { path: PathBuf, what: String },
}

/// A scalar or string metadata value (arrays are summarised by their length).
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    Array(u64),
}

impl std::fmt::Display for MetaValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::Float(v) => write!(f, "{v}"),
            Self::Bool(v) => write!(f, "{v}"),
            Self::Str(v) => write!(f, "{v}"),
            Self::Array(n) => write!(f, "[{n} items]"),
        }
    }
}

/// The parsed header of a GGUF file.
#[derive(Debug, Clone)]
pub struct GgufHeader {
    pub version: u32,
    pub metadata: BTreeMap<String, MetaValue>,
    pub tensor_count: u64,
    /// Total number of weights (sum over tensors of the product of their dimensions).
    pub n_params: u64,
    pub file_size: u64,
}

impl GgufHeader {
    /// A string metadata value.
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.metadata.get(key) {
            Some(MetaValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// An integer metadata value.
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.metadata.get(key) {
            Some(MetaValue::Int(v)) => Some(*v),
            _ => None,
        }
    }

    /// `general.architecture`, e.g. `llama`.
    pub fn architecture(&self) -> &str {
        self.str("general.architecture").unwrap_or("unknown")
    }

    /// Training context length from `{arch}.context_length`.
    pub fn context_length(&self) -> Option<i64> {
        self.int(&format!("{}.context_length", self.architecture()))
    }

    /// The model's Jinja chat template, when it ships one.
    pub fn chat_template(&self) -> Option<&str> {
        self.str("tokenizer.chat_template")
    }

    /// A human name for the quantization (`general.file_type`).
    pub fn quantization(&self) -> String {
        self.int("general.file_type")
            .map(ftype_name)
            .unwrap_or_else(|| "unknown".into())
    }
}

/// Reads and checks the header of `path`.
pub fn read_header(path: &Path) -> Result<GgufHeader, GgufError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => GgufError::Missing { path: path.into() },
        _ => GgufError::Unreadable {
            path: path.into(),
            source: e,
        },
    })?;
    let file_size = file
        .metadata()
        .map_err(|e| GgufError::Unreadable {
            path: path.into(),
            source: e,
        })?
        .len();
    if file_size < 24 {
        let mut magic = [0u8; 4];
        let mut f = &file;
        if f.read_exact(&mut magic).is_ok() && &magic == MAGIC {
            return Err(GgufError::Truncated {
                path: path.into(),
                have: file_size,
                need: 24,
            });
        }
        return Err(GgufError::NotGguf { path: path.into() });
    }
    let mut r = Reader {
        inner: BufReader::with_capacity(1 << 16, file),
        path,
        file_size,
        pos: 0,
    };
    r.parse().map(|mut h| {
        h.file_size = file_size;
        h
    })
}

struct Reader<'a> {
    inner: BufReader<File>,
    path: &'a Path,
    file_size: u64,
    /// Bytes consumed so far (tracked here: asking the OS costs a syscall per string).
    pos: u64,
}

impl Reader<'_> {
    fn truncated(&mut self, need: u64) -> GgufError {
        GgufError::Truncated {
            path: self.path.into(),
            have: self.file_size,
            need,
        }
    }

    fn corrupt(&self, what: impl Into<String>) -> GgufError {
        GgufError::Corrupt {
            path: self.path.into(),
            what: what.into(),
        }
    }

    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], GgufError> {
        let mut buf = [0u8; N];
        match self.inner.read_exact(&mut buf) {
            Ok(()) => {
                self.pos += N as u64;
                Ok(buf)
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                Err(self.truncated(self.pos + N as u64))
            }
            Err(e) => Err(GgufError::Unreadable {
                path: self.path.into(),
                source: e,
            }),
        }
    }

    fn u32(&mut self) -> Result<u32, GgufError> {
        self.bytes::<4>().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, GgufError> {
        self.bytes::<8>().map(u64::from_le_bytes)
    }

    fn skip(&mut self, n: u64) -> Result<(), GgufError> {
        if self.pos + n > self.file_size {
            return Err(self.truncated(self.pos + n));
        }
        self.pos += n;
        // seek_relative keeps the buffer when the target is inside it (vocab arrays are
        // tens of thousands of short strings).
        self.inner
            .seek_relative(n as i64)
            .map_err(|e| GgufError::Unreadable {
                path: self.path.into(),
                source: e,
            })?;
        Ok(())
    }

    fn string(&mut self, keep: bool) -> Result<Option<String>, GgufError> {
        let len = self.u64()?;
        if len > MAX_STRING {
            return Err(self.corrupt(format!("a string of {len} bytes")));
        }
        if !keep {
            self.skip(len)?;
            return Ok(None);
        }
        if self.pos + len > self.file_size {
            return Err(self.truncated(self.pos + len));
        }
        self.pos += len;
        let mut buf = vec![0u8; len as usize];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| GgufError::Unreadable {
                path: self.path.into(),
                source: e,
            })?;
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    fn value(&mut self, ty: u32) -> Result<MetaValue, GgufError> {
        Ok(match ty {
            0 => MetaValue::Int(i64::from(self.bytes::<1>()?[0])),
            1 => MetaValue::Int(i64::from(self.bytes::<1>()?[0] as i8)),
            2 => MetaValue::Int(i64::from(u16::from_le_bytes(self.bytes()?))),
            3 => MetaValue::Int(i64::from(i16::from_le_bytes(self.bytes()?))),
            4 => MetaValue::Int(i64::from(self.u32()?)),
            5 => MetaValue::Int(i64::from(i32::from_le_bytes(self.bytes()?))),
            6 => MetaValue::Float(f64::from(f32::from_le_bytes(self.bytes()?))),
            7 => MetaValue::Bool(self.bytes::<1>()?[0] != 0),
            8 => MetaValue::Str(self.string(true)?.unwrap_or_default()),
            9 => {
                let elem = self.u32()?;
                let n = self.u64()?;
                if n > MAX_ITEMS {
                    return Err(self.corrupt(format!("an array of {n} items")));
                }
                for _ in 0..n {
                    match elem {
                        8 => {
                            self.string(false)?;
                        }
                        9 => return Err(self.corrupt("nested arrays")),
                        t => self.skip(
                            scalar_size(t)
                                .ok_or_else(|| self.corrupt(format!("value type {t}")))?,
                        )?,
                    }
                }
                MetaValue::Array(n)
            }
            10 => MetaValue::Int(self.u64()? as i64),
            11 => MetaValue::Int(i64::from_le_bytes(self.bytes()?)),
            12 => MetaValue::Float(f64::from_le_bytes(self.bytes()?)),
            t => return Err(self.corrupt(format!("unknown value type {t}"))),
        })
    }

    fn parse(&mut self) -> Result<GgufHeader, GgufError> {
        if &self.bytes::<4>()? != MAGIC {
            return Err(GgufError::NotGguf {
                path: self.path.into(),
            });
        }
        let version = self.u32()?;
        if !(2..=3).contains(&version) {
            return Err(self.corrupt(format!("unsupported GGUF version {version}")));
        }
        let tensor_count = self.u64()?;
        let kv_count = self.u64()?;
        if tensor_count > MAX_ITEMS || kv_count > MAX_ITEMS {
            return Err(self.corrupt("absurd tensor or key count"));
        }
        let mut metadata = BTreeMap::new();
        for _ in 0..kv_count {
            let key = self.string(true)?.unwrap_or_default();
            let ty = self.u32()?;
            let value = self.value(ty)?;
            metadata.insert(key, value);
        }
        let mut n_params = 0u64;
        let mut tensors = Vec::with_capacity(tensor_count.min(1 << 16) as usize);
        for _ in 0..tensor_count {
            self.string(false)?;
            let n_dims = self.u32()?;
            if n_dims > 8 {
                return Err(self.corrupt(format!("a tensor with {n_dims} dimensions")));
            }
            let mut elems = 1u64;
            for _ in 0..n_dims {
                elems = elems.saturating_mul(self.u64()?);
            }
            let ty = self.u32()?;
            let offset = self.u64()?;
            n_params = n_params.saturating_add(elems);
            tensors.push((elems, ty, offset));
        }
        let alignment = match metadata.get("general.alignment") {
            Some(MetaValue::Int(a)) if *a > 0 => *a as u64,
            _ => 32,
        };
        let data_start = self.pos.div_ceil(alignment) * alignment;
        let need = tensors
            .iter()
            .filter_map(|&(elems, ty, offset)| {
                tensor_bytes(ty, elems).map(|b| data_start.saturating_add(offset).saturating_add(b))
            })
            .max()
            .unwrap_or(data_start);
        if need > self.file_size {
            return Err(self.truncated(need));
        }
        Ok(GgufHeader {
            version,
            metadata,
            tensor_count,
            n_params,
            file_size: self.file_size,
        })
    }
}

fn scalar_size(ty: u32) -> Option<u64> {
    Some(match ty {
        0 | 1 | 7 => 1,
        2 | 3 => 2,
        4..=6 => 4,
        10..=12 => 8,
        _ => return None,
    })
}

/// Bytes taken by `elems` weights of ggml type `ty` (None for types this reader does not know).
fn tensor_bytes(ty: u32, elems: u64) -> Option<u64> {
    let (block, size) = match ty {
        0 => (1, 4),
        1 | 30 => (1, 2),
        2 | 20 => (32, 18),
        3 => (32, 20),
        6 => (32, 22),
        7 => (32, 24),
        8 => (32, 34),
        9 => (32, 36),
        10 => (256, 84),
        11 | 21 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210),
        15 => (256, 292),
        16 | 35 => (256, 66),
        17 => (256, 74),
        18 => (256, 98),
        19 => (256, 50),
        22 => (256, 82),
        23 => (256, 136),
        24 => (1, 1),
        25 => (1, 2),
        26 => (1, 4),
        27 | 28 => (1, 8),
        29 => (256, 56),
        34 => (256, 54),
        39 => (32, 17),
        _ => return None,
    };
    Some(elems.div_ceil(block) * size)
}

fn ftype_name(ftype: i64) -> String {
    let name = match ftype {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        38 => "MXFP4_MOE",
        other => return format!("type {other}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn random_bytes_are_not_gguf() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&[0x13u8; 4096]).unwrap();
        assert!(matches!(
            read_header(f.path()),
            Err(GgufError::NotGguf { .. })
        ));
    }

    #[test]
    fn absurd_lengths_are_corrupt_not_allocations() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let mut bytes = b"GGUF".to_vec();
        bytes.extend(3u32.to_le_bytes());
        bytes.extend(0u64.to_le_bytes());
        bytes.extend(1u64.to_le_bytes());
        bytes.extend(u64::MAX.to_le_bytes()); // key length
        f.write_all(&bytes).unwrap();
        assert!(matches!(
            read_header(f.path()),
            Err(GgufError::Corrupt { .. })
        ));
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = read_header(Path::new("/nonexistent/model.gguf")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/model.gguf"));
    }
}
