package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/sqlapi"
)

// createCredentialRequest is the body of POST /v1/credentials; the arguments of sequin.create_credential.
type createCredentialRequest struct {
	Provider   *string         `json:"provider" doc:"provider name, as in GET /v1/providers"`
	Properties json.RawMessage `json:"properties" doc:"the properties of one of the provider's credential kinds; \"kind\" picks the kind (default: the first)"`
	Metadata   json.RawMessage `json:"metadata" doc:"free-form JSON object kept with the credential"`
}

// credentialJSON is the API shape of a credential: the columns of sequin.credentials_view, which never
// holds secrets.
const credentialJSON = `jsonb_build_object(
    'id', v.id, 'provider', v.provider, 'kind', v.kind, 'properties', v.properties, 'metadata', v.metadata,
    'health', v.health, 'health_message', v.health_message, 'sealed', v.sealed,
    'inserted_at', v.inserted_at, 'updated_at', v.updated_at)`

func (s *Server) listCredentials(w http.ResponseWriter, r *http.Request) {
	p, err := readKeysetPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := listKeyset(r.Context(), s.Pool, `SELECT v.inserted_at, v.id::text, `+credentialJSON+`
		FROM sequin.credentials_view v
		WHERE $1::timestamptz IS NULL OR (v.inserted_at, v.id) > ($1::timestamptz, $2::uuid)
		ORDER BY v.inserted_at, v.id LIMIT $3`, p)
	if err != nil {
		s.fail(w, r, fmt.Errorf("credentials: %w", err))
		return
	}
	WriteJSON(w, http.StatusOK, l)
}

func (s *Server) createCredential(w http.ResponseWriter, r *http.Request) {
	var req createCredentialRequest
	if err := s.decodeBody(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	var id string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT sequin.create_credential($1, $2::jsonb, $3::jsonb)::text`,
			req.Provider, jsonArg(req.Properties), jsonArg(req.Metadata)).Scan(&id)
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("creating credential: %w", err))
		return
	}
	s.sealCredentials(ctx)
	body, err := credentialByID(ctx, s.Pool, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, body)
}

func (s *Server) getCredential(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "credential")
	if err == nil {
		var body json.RawMessage
		if body, err = credentialByID(r.Context(), s.Pool, id); err == nil {
			WriteJSON(w, http.StatusOK, body)
			return
		}
	}
	s.fail(w, r, err)
}

func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "credential")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "credentials", "credential", id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT sequin.drop_credential($1)`, id)
		return err
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("dropping credential %s: %w", id, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sealCredentials seals credentials written through the API at once, so their secrets spend no time
// in the clear. A failure only delays sealing: the sidecar's control loop seals them too.
func (s *Server) sealCredentials(ctx context.Context) {
	if s.Credentials == nil {
		return
	}
	if _, err := s.Credentials.SealPending(ctx); err != nil {
		s.logger().WarnContext(ctx, "sealing credentials after an API request failed; the control loop will retry", "error", err)
	}
}

func credentialByID(ctx context.Context, q sqlapi.Querier, id string) (json.RawMessage, error) {
	var body json.RawMessage
	err := q.QueryRow(ctx, `SELECT `+credentialJSON+` FROM sequin.credentials_view v WHERE v.id = $1`, id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(fmt.Sprintf("no credential %s", id))
	}
	if err != nil {
		return nil, fmt.Errorf("reading credential %s: %w", id, err)
	}
	return body, nil
}

// lockRow locks the row with id of sequin.<table>, or returns a 404 naming what when there is none;
// the lock keeps it from vanishing before the SQL function that follows runs.
func lockRow(ctx context.Context, tx pgx.Tx, table, what, id string) error {
	var found bool
	err := tx.QueryRow(ctx, `SELECT true FROM sequin.`+table+` WHERE id = $1 FOR UPDATE`, id).Scan(&found)
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(fmt.Sprintf("no %s %s", what, id))
	}
	if err != nil {
		return fmt.Errorf("looking up %s %s: %w", what, id, err)
	}
	return nil
}
