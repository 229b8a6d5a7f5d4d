package secret

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k, err := NewKeyring(GenerateKey())
	require.NoError(t, err)
	sealed, id, err := k.Seal([]byte(`{"secret":"sk_live_x"}`), []byte("cred-1"))
	require.NoError(t, err)
	require.NotContains(t, string(sealed), "sk_live_x")
	pt, err := k.Open(sealed, id, []byte("cred-1"))
	require.NoError(t, err)
	require.Equal(t, `{"secret":"sk_live_x"}`, string(pt))

	_, err = k.Open(sealed, id, []byte("cred-2"))
	require.Error(t, err, "a ciphertext must not open under another row's id")
	sealed[len(sealed)-1] ^= 1
	_, err = k.Open(sealed, id, []byte("cred-1"))
	require.Error(t, err, "tampering must be detected")
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := GenerateKey(), GenerateKey()
	oldRing, err := NewKeyring(oldKey)
	require.NoError(t, err)
	sealed, id, err := oldRing.Seal([]byte("x"), nil)
	require.NoError(t, err)

	rotated, err := NewKeyring(newKey, oldKey)
	require.NoError(t, err)
	require.NotEqual(t, id, rotated.PrimaryID())
	pt, err := rotated.Open(sealed, id, nil)
	require.NoError(t, err)
	require.Equal(t, "x", string(pt))

	onlyNew, err := NewKeyring(newKey)
	require.NoError(t, err)
	_, err = onlyNew.Open(sealed, id, nil)
	require.ErrorIs(t, err, ErrNoKey)
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "short", "c2hvcnQ=", "zz" + string(make([]byte, 62))} {
		_, err := ParseKey(bad)
		require.Error(t, err, "%q", bad)
	}
	_, err := ParseKey("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	require.NoError(t, err)
	_, err = NewKeyring("")
	require.Error(t, err)
}

func FuzzParseKey(f *testing.F) {
	f.Add(GenerateKey())
	f.Add("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	f.Add("not a key")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err == nil && len(k) != KeySize {
			t.Fatalf("accepted a key of %d bytes", len(k))
		}
	})
}
