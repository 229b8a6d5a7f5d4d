package consume_test

import (
	"testing"

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
