package emulator

import "strings"

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// pod is the instance part of every id the emulator makes, as in a real org's ids.
const pod = "5g0000"

// makeID builds an 18-character Salesforce id: the object's key prefix, the pod, a base-62 sequence
// number of 6 digits (so ids sort in creation order), and the 3-character case-safe suffix.
func makeID(prefix string, seq int) string {
	var digits [6]byte
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = base62[seq%62]
		seq /= 62
	}
	id15 := prefix + pod + string(digits[:])
	return id15 + idSuffix(id15)
}

// idSuffix computes the suffix that makes a 15-character id case-insensitive: for each block of five
// characters, a bit per upper-case letter, mapped onto A-Z0-5.
func idSuffix(id15 string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	var b strings.Builder
	for block := 0; block < 3; block++ {
		n := 0
		for i := 0; i < 5; i++ {
			c := id15[block*5+i]
			if c >= 'A' && c <= 'Z' {
				n |= 1 << i
			}
		}
		b.WriteByte(alphabet[n])
	}
	return b.String()
}

// validID reports whether s has the shape of an id: 15 or 18 letters and digits, with a correct
// suffix when 18.
func validID(s string) bool {
	if len(s) != 15 && len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(base62, s[i]) < 0 {
			return false
		}
	}
	return len(s) == 15 || strings.EqualFold(s[15:], idSuffix(s[:15]))
}

// id15 returns the case-sensitive 15-character form of an id.
func id15(s string) string {
	if len(s) >= 15 {
		return s[:15]
	}
	return s
}
