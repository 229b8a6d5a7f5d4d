package consume_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/consume"
)

func TestSignature(t *testing.T) {
	t.Parallel()
	body := []byte(`{"data":[{"seq":1}]}`)
	// The digest of `printf hello | openssl dgst -sha256 -hmac s3cret`.
	require.Equal(t, "sha256=e5a01537481fa0b2c697f787c7aff885412cf0760d08e08502259b39d2d6ae68", consume.Sign("s3cret", []byte("hello")))
	sig := consume.Sign("s3cret", body)
	require.True(t, consume.Verify("s3cret", body, sig))
	require.False(t, consume.Verify("other", body, sig))
	require.False(t, consume.Verify("s3cret", []byte(`{"data":[{"seq":2}]}`), sig))
	require.False(t, consume.Verify("s3cret", body, sig[len("sha256="):]), "the scheme prefix is required")
	require.False(t, consume.Verify("s3cret", body, "sha256=zz"))
	require.False(t, consume.Verify("s3cret", body, ""))
}

func FuzzVerify(f *testing.F) {
	f.Add("s", []byte("body"), "sha256=00")
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string) {
		_ = consume.Verify(secret, body, header) // any header: an answer, never a panic
		require.True(t, consume.Verify(secret, body, consume.Sign(secret, body)))
	})
}

// A timestamped signature covers the time and the body, and is refused once older than the
// tolerance: a recorded request cannot be replayed later.
func TestTimestampedSignature(t *testing.T) {
	t.Parallel()
	body := []byte(`{"data":[{"seq":1}]}`)
	at := time.Unix(1_732_370_000, 0)
	// `printf '1732370000.hello' | openssl dgst -sha256 -hmac s3cret`
	require.Equal(t, "t=1732370000,sha256=d6d2a84b0307249d3343983d420bd4b57817a2904d219d424962b34ddcfafafd",
		consume.SignTimestamped("s3cret", []byte("hello"), at))
	sig := consume.SignTimestamped("s3cret", body, at)
	require.NoError(t, consume.VerifyTimestamped("s3cret", body, sig, at.Add(time.Minute), 0))
	require.NoError(t, consume.VerifyTimestamped("s3cret", body, sig, at.Add(-time.Minute), 0), "a receiver's clock a little behind")
	require.ErrorIs(t, consume.VerifyTimestamped("s3cret", body, sig, at.Add(6*time.Minute), 0), consume.ErrSignatureExpired)
	require.NoError(t, consume.VerifyTimestamped("s3cret", body, sig, at.Add(6*time.Minute), 10*time.Minute))
	require.ErrorIs(t, consume.VerifyTimestamped("other", body, sig, at, 0), consume.ErrSignatureMismatch)
	require.ErrorIs(t, consume.VerifyTimestamped("s3cret", []byte(`{"data":[{"seq":2}]}`), sig, at, 0), consume.ErrSignatureMismatch)
	// The time is signed: moving it forward breaks the signature.
	moved := strings.Replace(sig, "t=1732370000", "t=1732370300", 1)
	require.ErrorIs(t, consume.VerifyTimestamped("s3cret", body, moved, at.Add(6*time.Minute), 0), consume.ErrSignatureMismatch)
	for _, bad := range []string{"", "sha256=00", "t=1732370000", "t=abc," + sig[len("t=1732370000,"):], "t=-5," + sig[len("t=1732370000,"):],
		"t=1732370000,sha256=zz", "t=1732370000,sha256=00"} {
		require.ErrorIs(t, consume.VerifyTimestamped("s3cret", body, bad, at, 0), consume.ErrSignatureMalformed, bad)
	}
}

func FuzzVerifyTimestamped(f *testing.F) {
	f.Add("s", []byte("body"), "t=1,sha256=00", int64(1))
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string, now int64) {
		at := time.Unix(now&(1<<40-1), 0)
		_ = consume.VerifyTimestamped(secret, body, header, at, 0) // any header: an answer, never a panic
		require.NoError(t, consume.VerifyTimestamped(secret, body, consume.SignTimestamped(secret, body, at), at, 0))
	})
}
