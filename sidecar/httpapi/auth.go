package httpapi

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
)

// tokenKey is the context key of the authenticated token.
type tokenKey struct{}

// Token is the API token a request was authenticated with.
type Token struct {
	// ID is the token's id in sequin.api_tokens.
	ID string
	// Name is the name it was created with.
	Name string
}

// TokenFromContext returns the token of an authenticated request (handlers added with Mount see it).
func TokenFromContext(ctx context.Context) (Token, bool) {
	t, ok := ctx.Value(tokenKey{}).(Token)
	return t, ok
}

// authenticate lets through requests that present an active token of sequin.api_tokens as
// "Authorization: Bearer <token>". Tokens are stored as their SHA-256 only; last_used_at is written at
// most once a minute per token, so busy clients do not turn every read into a write.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		presented, ok := bearerToken(r)
		if !ok {
			writeErr(w, &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized,
				Message: "missing API token: send the header Authorization: Bearer <token>",
				Hint:    "create a token with SELECT sequin.create_api_token('my-app')"})
			return
		}
		hash := sha256.Sum256([]byte(presented))
		var tok Token
		err := s.Pool.QueryRow(r.Context(), lookupTokenSQL, hash[:]).Scan(&tok.ID, &tok.Name)
		if errors.Is(err, pgx.ErrNoRows) {
			writeErr(w, &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized,
				Message: "invalid or revoked API token",
				Hint:    "tokens are listed in sequin.api_tokens_view; create a new one with SELECT sequin.create_api_token('my-app')"})
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
	})
}

// lookupTokenSQL finds an active token by hash and, in the same statement, records its use when the
// last recorded use is more than a minute old.
const lookupTokenSQL = `
WITH t AS (
    SELECT id, name, last_used_at FROM sequin.api_tokens WHERE token_hash = $1 AND revoked_at IS NULL
), used AS (
    UPDATE sequin.api_tokens a SET last_used_at = now() FROM t
     WHERE a.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
)
SELECT id::text, name FROM t`

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}
