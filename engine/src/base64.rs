//! Strict base64url decoding (RFC 4648 §5, no padding), as JWT segments use it.

use alloc::vec::Vec;

/// Decodes unpadded base64url. Refuses padding, any other byte, a length that leaves a single
/// character over, and non-canonical encodings (unused trailing bits that are not zero), the way
/// strict decoders (`base64ct`, which jwt-compact uses) do.
pub(crate) fn decode_url_unpadded(input: &[u8]) -> Option<Vec<u8>> {
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for &c in input {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_remainder_and_refuses_junk() {
        assert_eq!(decode_url_unpadded(b""), Some(Vec::new()));
        assert_eq!(decode_url_unpadded(b"TWFu"), Some(b"Man".to_vec()));
        assert_eq!(decode_url_unpadded(b"TWE"), Some(b"Ma".to_vec()));
        assert_eq!(decode_url_unpadded(b"TQ"), Some(b"M".to_vec()));
        assert_eq!(decode_url_unpadded(b"-_-_"), Some([0xfb, 0xff, 0xbf].to_vec()));
        for bad in [&b"T"[..], b"TQ==", b"TR", b"TWF", b"TW+u", b"TW/u", b"TW u"] {
            assert_eq!(decode_url_unpadded(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }
}
